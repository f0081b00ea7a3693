-- add_user: a new user of RedisUserStore, unless its name or its id is taken.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the user's id (a fresh UUID)
--          [3] name            string   the user name
--          [4] password_hash   string   its encoded password hash
--          [5] admin           '1'/'0'
--          [6] created_at_ms   integer
--          [7] token_version   integer
-- RETURNS  1, or 0 when the name or the id is taken (nothing written)
-- ATOMIC   of two adds of one name, exactly one succeeds.
-- Runs alone (no prelude).

local P, id, name = ARGV[1], ARGV[2], ARGV[3]
local key = P .. 'user:' .. name
if redis.call('EXISTS', key) == 1 or redis.call('HEXISTS', P .. 'user_ids', id) == 1 then
  return 0
end
redis.call('HSET', key, 'id', id, 'name', name, 'password_hash', ARGV[4], 'admin', ARGV[5],
           'created_at_ms', ARGV[6], 'token_version', ARGV[7])
redis.call('ZADD', P .. 'users', 0, name)
redis.call('HSET', P .. 'user_ids', id, name)
return 1
