-- delete_job: deletes a finished job: its hash, its blocks, its event log, what is left of its
-- tasks, its index entries and its place in the counters. The owner's usage is kept. Blob storage is not
-- Redis's: the blob keys are returned for the caller to delete.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the job id
-- RETURNS  nil for an unknown job; {0, status} for an unfinished one (nothing deleted); else
--          {1, {blob keys of its segments and result}}
-- ATOMIC   the job is gone whole or not at all.
-- Runs after prelude.lua (key names, statuses, shared steps).

local id = ARGV[2]
local jk = job_key(id)
local job = redis.call('HMGET', jk, 'status', 'owner', 'blocks_total', 'result_key')
if not job[1] then return false end
local status = tonumber(job[1])
if status < JOB_COMPLETED then return {0, status} end
local keys = {}
for i = 0, tonumber(job[3]) - 1 do
  local bk = block_key(id, i)
  local segment = redis.call('HGET', bk, 'segment_key')
  if segment and segment ~= '' then keys[#keys + 1] = segment end
  redis.call('DEL', bk)
  drop_task(task_id(id, i))
end
drop_task(task_id(id, 'a'))
if job[4] and job[4] ~= '' then keys[#keys + 1] = job[4] end
redis.call('DEL', jk, jk .. ':events')
redis.call('ZREM', P .. 'jobs', id)
redis.call('ZREM', P .. 'jobs:owner:' .. job[2], id)
redis.call('ZREM', P .. 'jobs:finished', id)
redis.call('HINCRBY', COUNTERS, 'jobs.' .. status, -1)
return {1, keys}
