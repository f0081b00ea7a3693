-- remove_user: deletes a user, its place in the user index, its id (never given again), its
-- webhook secret and its API keys.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
-- RETURNS  1, or 0 for an unknown user
-- ATOMIC   the user, its index entries and its keys go together.
-- Runs alone (no prelude).

local P = ARGV[1]
local key = P .. 'user:' .. ARGV[2]
local id = redis.call('HGET', key, 'id')
if id then
  redis.call('HDEL', P .. 'user_ids', id)
  redis.call('HDEL', P .. 'webhook_secrets', id)
  local owned = P .. 'api_keys:' .. id
  for _, key_id in ipairs(redis.call('ZRANGE', owned, 0, -1)) do
    local hash = redis.call('HGET', P .. 'api_key:' .. key_id, 'hash')
    if hash then redis.call('HDEL', P .. 'api_key_hashes', hash) end
    redis.call('DEL', P .. 'api_key:' .. key_id)
  end
  redis.call('DEL', owned)
end
redis.call('ZREM', P .. 'users', ARGV[2])
return redis.call('DEL', key)
