-- claim: hands the next due task to a worker under a new attempt (the fencing token) and
-- lease. In order: moves due delayed retries (up to 100) to the stream; takes the given entry;
-- else the oldest assembly enqueued (P tasks:assembly) that still waits; else the oldest expired
-- lease; else an entry delivered to a reader that never leased it (idle in the group's pending
-- list for handoff_ms: its reader died between its blocking read and this script); else a new
-- entry (XREADGROUP '>'). Stale entries are dropped, poison tasks (max_claims reached) fail their
-- block and job, and the search goes on (at most 32 candidates).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] worker          string   the worker id (its consumer name in the group)
--          [4] lease_ms        integer  the lease's length
--          [5] max_claims      integer  poison limit: claims of a task (releases not counted)
--          [6] entry           string   a stream entry id this worker's blocking XREADGROUP was
--                                       delivered, or ''
--          [7] handoff_ms      integer  idle time (Redis's) after which an entry delivered to a
--                                       reader that did not lease it is taken over
-- RETURNS  {1, kind (0 block, 1 assembly), job id, block index (0 for an assembly), attempt}
--          for a claimed task; {0, next_due_ms} when none is due: the earliest delayed retry or
--          lease expiry, -1 when there is neither, now when the search ran out (look again)
-- ATOMIC   a claim bumps the attempt, leases the task and marks its block and job processing in
--          one step; a taken entry is acknowledged and deleted at once.
-- Runs after prelude.lua (key names, statuses, shared steps).

local now, worker = tonumber(ARGV[2]), ARGV[3]
local lease_ms, max_claims = tonumber(ARGV[4]), tonumber(ARGV[5])
local given, handoff_ms = ARGV[6], ARGV[7]

for _, tid in ipairs(redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', DELAYED, tid)
  if redis.call('EXISTS', task_key(tid)) == 1 then push(tid) end
end

-- Hands task `tid` to `worker` under a new attempt and lease; false when it is a poison task
-- (its block and job fail instead).
local function take(tid)
  local tk = task_key(tid)
  local t = redis.call('HMGET', tk, 'attempt', 'claims')
  local id, index = split_task_id(tid)
  local claims = tonumber(t[2])
  if claims >= max_claims then
    local err = 'gave up after ' .. claims .. ' claims without a result'
    if index then
      local last = redis.call('HGET', block_key(id, index), 'error')
      if last and last ~= '' then err = err .. ' (last error: ' .. last .. ')' end
    end
    fail_job(id, index, false, err, now)
    return false
  end
  local attempt = tonumber(t[1]) + 1
  redis.call('HSET', tk, 'state', TASK_LEASED, 'attempt', attempt, 'claims', claims + 1,
             'worker', worker, 'entry', '')
  redis.call('ZADD', LEASES, now + lease_ms, tid)
  if index then
    redis.call('HSET', block_key(id, index), 'status', BLOCK_PROCESSING, 'attempts', attempt)
    emit(id, {type = 'block.processing', index = index, attempt = attempt}, now)
  end
  if tonumber(redis.call('HGET', job_key(id), 'status')) == JOB_QUEUED then
    set_job_status(id, JOB_PROCESSING, now)
  end
  if index then return {0, id, index, attempt} end
  return {1, id, 0, attempt}
end

-- A stream entry delivered to `worker`: acknowledged and deleted in any case; its task taken
-- when the entry is still the task's current one.
local function take_entry(entry, fields)
  redis.pcall('XACK', STREAM, GROUP, entry)
  redis.call('XDEL', STREAM, entry)
  local tid = fields and fields[2]
  if not tid or redis.call('HGET', task_key(tid), 'entry') ~= entry then return false end
  return take(tid)
end

local task = false
if given ~= '' then
  local found = redis.call('XRANGE', STREAM, given, given)
  if #found > 0 then
    task = take_entry(given, found[1][2])
  else
    redis.pcall('XACK', STREAM, GROUP, given)
  end
end
-- Assemblies before blocks: a job whose blocks are done is not kept behind other jobs' blocks.
-- Its stream entry is deleted (a reader it was delivered to finds it gone and looks again).
while not task do
  local tid = redis.call('LPOP', ASSEMBLIES)
  if not tid then break end
  local t = redis.call('HMGET', task_key(tid), 'state', 'entry')
  if tonumber(t[1]) == TASK_WAITING and t[2] and t[2] ~= '' then
    redis.pcall('XACK', STREAM, GROUP, t[2])
    redis.call('XDEL', STREAM, t[2])
    task = take(tid)
  end
end
local budget = 32
while not task and budget > 0 do
  budget = budget - 1
  local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now, 'LIMIT', 0, 1)
  if #expired > 0 then
    task = take(expired[1])
  else
    local entry = redis.call('XAUTOCLAIM', STREAM, GROUP, worker, handoff_ms, '0-0',
                             'COUNT', 1)[2][1]
    if not entry then
      local new = redis.call('XREADGROUP', 'GROUP', GROUP, worker, 'COUNT', 1,
                             'STREAMS', STREAM, '>')
      if not new then break end
      entry = new[1][2][1]
    end
    task = take_entry(entry[1], entry[2])
  end
end
if task then return {1, task[1], task[2], task[3], task[4]} end
if budget == 0 then return {0, now} end
local next_due = -1
local delayed = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
if #delayed > 0 then next_due = tonumber(delayed[2]) end
local lease = redis.call('ZRANGE', LEASES, 0, 0, 'WITHSCORES')
if #lease > 0 and (next_due < 0 or tonumber(lease[2]) < next_due) then
  next_due = tonumber(lease[2])
end
return {0, next_due}
