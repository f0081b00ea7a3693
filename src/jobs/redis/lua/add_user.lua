-- add_user: a new user of RedisUserStore, unless the name is taken.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
--          [3] password_hash   string   its encoded password hash
--          [4] admin           '1'/'0'
--          [5] created_at_ms   integer
-- RETURNS  1, or 0 when the name is taken (nothing written)
-- ATOMIC   of two adds of one name, exactly one succeeds.
-- Runs alone (no prelude).

local P, name = ARGV[1], ARGV[2]
local key = P .. 'user:' .. name
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'name', name, 'password_hash', ARGV[3], 'admin', ARGV[4],
           'created_at_ms', ARGV[5])
redis.call('ZADD', P .. 'users', 0, name)
return 1
