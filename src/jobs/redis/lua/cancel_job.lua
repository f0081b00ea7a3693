-- cancel_job: cancels a job unless it is finished: its unfinished blocks cancelled, its work
-- withdrawn (tasks, stream entries, leases, delayed retries), its status cancelled.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the job id
--          [3] now             integer  ms on the store's Clock
-- RETURNS  nil for an unknown job, else its fields as they are now (HGETALL array; unchanged
--          for a finished job)
-- ATOMIC   withdrawing and cancelling are one step: no claim comes between them, and the
--          reports of the tasks' holders are refused afterwards (their tasks are gone).
--          Idempotent.
-- Runs after prelude.lua (key names, statuses, shared steps).

local id, now = ARGV[2], tonumber(ARGV[3])
local status = redis.call('HGET', job_key(id), 'status')
if not status then return false end
if tonumber(status) < JOB_COMPLETED then
  withdraw(id)
  set_job_status(id, JOB_CANCELLED, now)
  emit(id, {type = 'job.cancelled'}, now)
end
return redis.call('HGETALL', job_key(id))
