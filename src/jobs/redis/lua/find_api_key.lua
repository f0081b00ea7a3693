-- find_api_key: the API key whose hash is ARGV[2].
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] hash            string   SHA-256 of the key's text, hex
-- RETURNS  the key's fields (an HGETALL array), or nil when no key has this hash
-- ATOMIC   read only: the index and the key from one snapshot.
-- Runs alone (no prelude).

local id = redis.call('HGET', ARGV[1] .. 'api_key_hashes', ARGV[2])
if not id then return false end
local key = redis.call('HGETALL', ARGV[1] .. 'api_key:' .. id)
if #key == 0 then return false end
return key
