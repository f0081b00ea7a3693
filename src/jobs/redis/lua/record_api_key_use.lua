-- record_api_key_use: sets an API key's last use, unless it was recorded recently.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the key's id
--          [3] now_ms          integer
--          [4] min_interval_ms integer
-- RETURNS  1 when it wrote; 0 when the stored last use is after now_ms - min_interval_ms, or no
--          key has this id (nothing created)
-- ATOMIC   of several nodes recording one use at once, one writes.
-- Runs alone (no prelude).

local key = ARGV[1] .. 'api_key:' .. ARGV[2]
local last = redis.call('HGET', key, 'last_used_at_ms')
if not last then return 0 end
local now = tonumber(ARGV[3])
if tonumber(last) > now - tonumber(ARGV[4]) then return 0 end
redis.call('HSET', key, 'last_used_at_ms', ARGV[3])
return 1
