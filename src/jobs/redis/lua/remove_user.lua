-- remove_user: deletes a user, its place in the user index, its id (never given again) and its
-- webhook secret.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
-- RETURNS  1, or 0 for an unknown user
-- ATOMIC   the user and its index entries go together.
-- Runs alone (no prelude).

local key = ARGV[1] .. 'user:' .. ARGV[2]
local id = redis.call('HGET', key, 'id')
if id then
  redis.call('HDEL', ARGV[1] .. 'user_ids', id)
  redis.call('HDEL', ARGV[1] .. 'webhook_secrets', id)
end
redis.call('ZREM', ARGV[1] .. 'users', ARGV[2])
return redis.call('DEL', key)
