-- complete_assembly: records a job's result, fenced by the lease of the attempt that assembled
-- it: the job completed, once.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] task id         string   '<job id>:<block index>', or '<job id>:a' (assembly)
--          [4] attempt         integer  the claim's fencing token
--          [5] worker          string   the worker id that claimed it
--          [6] result_key      string   blob key of the assembled audio
--          [7] manifest_json   string   the job's manifest
--          [8] bytes           integer  the result's size
-- RETURNS  the outcome: 1 accepted, 2 duplicate (this very attempt's report is already
--          recorded: nothing changed), 0 refused (the lease is lost, or the job is gone)
-- ATOMIC   one step; a refused or duplicate report changes nothing.
-- Runs after prelude.lua (key names, statuses, shared steps).

local now, tid, attempt, worker = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local id = split_task_id(tid)
local jk = job_key(id)
local job = redis.call('HMGET', jk, 'status', 'assembly_attempt')
if not job[1] then return REFUSED end
if tonumber(job[1]) == JOB_COMPLETED then
  if job[2] == attempt then return DUPLICATE end
  return REFUSED
end
if not holds_lease(tid, attempt, worker) then return REFUSED end
drop_task(tid)
redis.call('HSET', jk, 'result_key', ARGV[6], 'manifest_json', ARGV[7], 'result_bytes', ARGV[8],
           'assembly_attempt', attempt, 'error', '')
set_job_status(id, JOB_COMPLETED, now)
emit(id, {type = 'job.completed',
          duration_samples = tonumber(redis.call('HGET', jk, 'placed_samples') or '0')}, now)
return ACCEPTED
