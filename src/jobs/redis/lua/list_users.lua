-- list_users: every user, by name.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
-- RETURNS  {user fields, user fields, ...} (HGETALL arrays), by name
-- ATOMIC   read only: one snapshot.
-- Runs alone (no prelude).

local out = {}
for _, name in ipairs(redis.call('ZRANGE', ARGV[1] .. 'users', 0, -1)) do
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. 'user:' .. name)
end
return out
