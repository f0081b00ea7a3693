-- add_api_key: stores a new API key of a user (RedisApiKeyStore), unless the user is gone or
-- holds the most keys allowed.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the key's id (a fresh UUID)
--          [3] user_id         string   its owner's id
--          [4] name            string
--          [5] display prefix  string   'pvx_' and the key's first characters
--          [6] hash            string   SHA-256 of the key's text, hex
--          [7] created_at_ms   integer
--          [8] expires_at_ms   integer  0: never
--          [9] last_used_at_ms integer  0: never
--         [10] max_per_user    integer
-- RETURNS  1 stored; 0 no user has this id; -1 the user holds max_per_user keys; -2 the id or
--          the hash is taken (nothing written but for 1)
-- ATOMIC   the user's existence, the count and the writes in one step: a key is never added to
--          a user being removed, and never past the limit.
-- Runs alone (no prelude).

local P, id, user_id, hash = ARGV[1], ARGV[2], ARGV[3], ARGV[6]
if redis.call('HEXISTS', P .. 'user_ids', user_id) == 0 then return 0 end
local owned = P .. 'api_keys:' .. user_id
if redis.call('ZCARD', owned) >= tonumber(ARGV[10]) then return -1 end
if redis.call('EXISTS', P .. 'api_key:' .. id) == 1 or
    redis.call('HEXISTS', P .. 'api_key_hashes', hash) == 1 then
  return -2
end
redis.call('HSET', P .. 'api_key:' .. id, 'id', id, 'user_id', user_id, 'name', ARGV[4],
           'prefix', ARGV[5], 'hash', hash, 'created_at_ms', ARGV[7], 'expires_at_ms', ARGV[8],
           'last_used_at_ms', ARGV[9])
redis.call('HSET', P .. 'api_key_hashes', hash, id)
redis.call('ZADD', owned, ARGV[7], id)
return 1
