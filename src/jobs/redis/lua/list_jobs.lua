-- list_jobs: a page of jobs, newest first (of one owner or of everyone), and their total.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] owner           string   '' = every owner's jobs
--          [3] offset          integer
--          [4] limit           integer
-- RETURNS  {total, job fields, job fields, ...} (HGETALL arrays), newest first
-- ATOMIC   read only: the total and the page from one snapshot.
-- Runs after prelude.lua (key names, statuses, shared steps).

local owner, offset, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local index = P .. 'jobs'
if owner ~= '' then index = P .. 'jobs:owner:' .. owner end
local total = redis.call('ZCARD', index)
local out = {total}
if limit > 0 and offset < total then
  for _, id in ipairs(redis.call('ZREVRANGE', index, offset, offset + limit - 1)) do
    out[#out + 1] = redis.call('HGETALL', job_key(id))
  end
end
return out
