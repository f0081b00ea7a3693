-- fail_task: records a failed attempt of a block or assembly task, fenced by its lease: a
-- retry at retry_at_ms (the task waits in P delayed, its failures one more, and its block is
-- queued again), or a failure for good (its block, if any, and its job fail; the job's other
-- work is withdrawn).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] task id         string   '<job id>:<block index>', or '<job id>:a' (assembly)
--          [4] attempt         integer  the claim's fencing token
--          [5] worker          string   the worker id that claimed it
--          [6] error           string   what went wrong
--          [7] retry_at_ms     integer  when to retry, on the store's Clock; '' = fail for good
--          [8] n               integer  providers the failed attempt used (0 for an assembly)
--          then 6 per provider i = 0 .. n - 1, from ARGV[9 + 6 i]: name (string), calls,
--          characters, cache_hits, failures, retries (integers): what the attempt cost, added
--          to the block's and the owner's usage
-- RETURNS  the outcome: 1 accepted, 2 duplicate (this very attempt's report is already
--          recorded: nothing changed), 0 refused (the lease is lost, or the job is gone)
-- ATOMIC   one step; a refused or duplicate report changes nothing.
-- Runs after prelude.lua (key names, statuses, shared steps).

local now, tid, attempt, worker = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local err, retry_at = ARGV[6], ARGV[7]
local id, index = split_task_id(tid)
local jk = job_key(id)
local job = redis.call('HMGET', jk, 'status', 'assembly_attempt')
if not job[1] then return REFUSED end
if index then
  local block = redis.call('HMGET', block_key(id, index), 'status', 'reported_attempt')
  if not block[1] then return REFUSED end
  if tonumber(block[1]) == BLOCK_FAILED then
    if block[2] == attempt then return DUPLICATE end
    return REFUSED
  end
elseif tonumber(job[1]) == JOB_FAILED and job[2] == attempt then
  return DUPLICATE
end
local tk = task_key(tid)
local t = redis.call('HMGET', tk, 'state', 'attempt', 'worker')
if t[1] == tostring(TASK_RETRYING) and t[2] == attempt and t[3] == worker then
  return DUPLICATE  -- this attempt's retry is already scheduled
end
if not holds_lease(tid, attempt, worker) then return REFUSED end
if index then record_usage(id, index, redis.call('HGET', jk, 'owner'), 9, tonumber(ARGV[8])) end
if retry_at == '' then
  fail_job(id, index, attempt, err, now)
  return ACCEPTED
end
redis.call('HSET', tk, 'state', TASK_RETRYING)
redis.call('HINCRBY', tk, 'failures', 1)
redis.call('ZREM', LEASES, tid)
redis.call('ZADD', DELAYED, retry_at, tid)
if index then
  redis.call('HSET', block_key(id, index), 'status', BLOCK_QUEUED, 'error', err)
  emit(id, {type = 'block.retrying', index = index, attempt = tonumber(attempt),
            delay_ms = math.max(0, tonumber(retry_at) - now), reason = err}, now)
end
redis.call('HSET', jk, 'updated_at_ms', now)
return ACCEPTED
