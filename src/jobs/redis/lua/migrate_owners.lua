-- migrate_owners: brings data written before users had ids to the layout where users are known
-- by id, once (RedisUserStore runs it before its first operation in each process): each user
-- without an id gets the one given here and token version 0; each job's owner (a name) becomes
-- that user's id, the name kept as owner_name, and its per-owner index follows; usage moves from
-- usage:<name> to usage:<id>, its name kept in usage:names. A name that no user has any more
-- becomes 'removed:<name>', an id no user can have, so that a user added again under that name
-- does not get the old jobs. Then P owners_migrated is set and later calls return at once.
-- Safe to run again on migrated data (the marker lost): jobs with an owner_name and usage kept
-- under an id are left as they are.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          then 2 per user without an id, from ARGV[2 + 2 i]: its name (string) and a fresh id
--          (string)
-- RETURNS  1 when the data is migrated (now or before); 0 when a user without an id was given
--          none (added meanwhile by an older node): nothing written, call again
-- ATOMIC   one step: no user, job or usage is ever seen half migrated. It costs one pass over
--          the users, the jobs and the usage hashes, once.
-- Runs alone (no prelude).

local P = ARGV[1]
local MARKER = P .. 'owners_migrated'
if redis.call('EXISTS', MARKER) == 1 then return 1 end
local given = {}
for a = 2, #ARGV, 2 do given[ARGV[a]] = ARGV[a + 1] end
local names = redis.call('ZRANGE', P .. 'users', 0, -1)
for _, name in ipairs(names) do
  if not redis.call('HGET', P .. 'user:' .. name, 'id') and not given[name] then return 0 end
end

local ids = {}
for _, name in ipairs(names) do
  local key = P .. 'user:' .. name
  local id = redis.call('HGET', key, 'id')
  if not id then
    id = given[name]
    redis.call('HSET', key, 'id', id)
    redis.call('HSETNX', key, 'token_version', 0)
    redis.call('HSET', P .. 'user_ids', id, name)
  end
  ids[name] = id
end
local function id_of(name) return ids[name] or ('removed:' .. name) end

local moved = {}
local jobs = redis.call('ZRANGE', P .. 'jobs', 0, -1, 'WITHSCORES')
for j = 1, #jobs, 2 do
  local jk = P .. 'job:' .. jobs[j]
  local job = redis.call('HMGET', jk, 'owner', 'owner_name')
  if job[1] and not job[2] then
    local id = id_of(job[1])
    redis.call('HSET', jk, 'owner', id, 'owner_name', job[1])
    redis.call('ZADD', P .. 'jobs:owner:' .. id, jobs[j + 1], jobs[j])
    moved[job[1]] = id
  end
end
for name, id in pairs(moved) do
  if name ~= id then redis.call('DEL', P .. 'jobs:owner:' .. name) end
end

-- A member that is already an id (a user's, a 'removed:' one, or one whose name usage:names
-- keeps) was migrated before: the marker was lost, not the layout. Left as it is.
local function usage_migrated(member)
  return member:sub(1, 8) == 'removed:' or redis.call('HEXISTS', P .. 'user_ids', member) == 1
      or redis.call('HEXISTS', P .. 'usage:names', member) == 1
end
for _, name in ipairs(redis.call('SMEMBERS', P .. 'usage:owners')) do
  if not usage_migrated(name) then
    local id = id_of(name)
    local fields = redis.call('HGETALL', P .. 'usage:' .. name)
    for f = 1, #fields, 2 do
      redis.call('HINCRBY', P .. 'usage:' .. id, fields[f], fields[f + 1])
    end
    redis.call('DEL', P .. 'usage:' .. name)
    redis.call('SREM', P .. 'usage:owners', name)
    redis.call('SADD', P .. 'usage:owners', id)
    redis.call('HSET', P .. 'usage:names', id, name)
  end
end

redis.call('SET', MARKER, 1)
return 1
