-- find_user_by_id: the user whose id is ARGV[2].
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the user's id
-- RETURNS  the user's fields (an HGETALL array), or nil when no user has this id
-- ATOMIC   read only: the index and the user from one snapshot.
-- Runs alone (no prelude).

local name = redis.call('HGET', ARGV[1] .. 'user_ids', ARGV[2])
if not name then return false end
local user = redis.call('HGETALL', ARGV[1] .. 'user:' .. name)
if #user == 0 or redis.call('HGET', ARGV[1] .. 'user:' .. name, 'id') ~= ARGV[2] then
  return false
end
return user
