-- read_usage: the provider usage of one owner or of every owner.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] owner           string   a user id; '' = every owner
-- RETURNS  {owner, name, usage fields, owner, name, usage fields, ...}: the owner's id, the
--          name its jobs were submitted under ('' if unknown), HGETALL arrays of
--          '<provider>|<counter>' -> total; owners without usage left out
-- ATOMIC   read only: one snapshot.
-- Runs after prelude.lua (key names, statuses, shared steps).

local owners = {ARGV[2]}
if ARGV[2] == '' then owners = redis.call('SMEMBERS', P .. 'usage:owners') end
local out = {}
for _, owner in ipairs(owners) do
  local fields = redis.call('HGETALL', P .. 'usage:' .. owner)
  if #fields > 0 then
    out[#out + 1] = owner
    out[#out + 1] = redis.call('HGET', P .. 'usage:names', owner) or ''
    out[#out + 1] = fields
  end
end
return out
