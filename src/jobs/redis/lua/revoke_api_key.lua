-- revoke_api_key: deletes an API key, when its owner is the one given (or anyone).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the key's id
--          [3] owner_id        string   '' (any owner) or the user id that must own it
-- RETURNS  1, or 0 when no key has this id (or another user owns it): nothing deleted
-- ATOMIC   the key and its index entries go together.
-- Runs alone (no prelude).

local P, id, owner = ARGV[1], ARGV[2], ARGV[3]
local key = P .. 'api_key:' .. id
local fields = redis.call('HMGET', key, 'user_id', 'hash')
local user_id, hash = fields[1], fields[2]
if not user_id then return 0 end
if owner ~= '' and owner ~= user_id then return 0 end
redis.call('HDEL', P .. 'api_key_hashes', hash)
redis.call('ZREM', P .. 'api_keys:' .. user_id, id)
redis.call('DEL', key)
return 1
