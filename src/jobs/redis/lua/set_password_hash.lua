-- set_password_hash: replaces a user's password hash and bumps its token version, so that the
-- tokens issued before stop working.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
--          [3] password_hash   string   the new encoded hash
-- RETURNS  1, or 0 for an unknown user (no key created)
-- ATOMIC   the hash and the version change together; never recreates a user removed meanwhile.
-- Runs alone (no prelude).

local key = ARGV[1] .. 'user:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'password_hash', ARGV[3])
redis.call('HINCRBY', key, 'token_version', 1)
return 1
