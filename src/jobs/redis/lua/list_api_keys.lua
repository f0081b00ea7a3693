-- list_api_keys: the API keys of one user, oldest first (then by id).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] user_id         string
-- RETURNS  {key fields, key fields, ...} (HGETALL arrays); {} for an unknown user
-- ATOMIC   read only: one snapshot.
-- Runs alone (no prelude).

local out = {}
for _, id in ipairs(redis.call('ZRANGE', ARGV[1] .. 'api_keys:' .. ARGV[2], 0, -1)) do
  local key = redis.call('HGETALL', ARGV[1] .. 'api_key:' .. id)
  if #key > 0 then out[#out + 1] = key end
end
return out
