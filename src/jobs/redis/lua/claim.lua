-- claim: hands the next due task to a worker under a new attempt (the fencing token) and
-- lease. In order: moves due delayed retries (up to 100) to their queues; takes over the given
-- note (a task entry of the version before queues goes to its queue); else the oldest assembly
-- enqueued (P tasks:assembly) that still waits; else the oldest expired lease; else the next
-- owner's next task in the interactive lane's ring, then in the batch lane's: owners take turns,
-- one task each, and one owner's tasks go in the order they were queued; else a note not yet
-- read (XREADGROUP '>'), or one delivered to a reader that never claimed with it (idle in the
-- group's pending list for handoff_ms: its reader died between its blocking read and this
-- script), and the search goes on. Stale queued ids are skipped, poison tasks (max_claims
-- reached) fail their block and job, and the search goes on (at most 256 candidates). A claim
-- that took a task also reads one unread note, so that notes do not pile up while every worker
-- is busy.
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
--          [8] prefer          string   'b': look in the batch lane before the interactive one
--                                       (the worker's interactive streak is long); else ''
-- RETURNS  {1, kind (0 block, 1 assembly), job id, block index (0 for an assembly), attempt,
--          failures (the task's transient failures so far), lane ('i', 'b', or '' when the
--          task came from no lane's ring)} for a claimed task; {0, next_due_ms} when none is
--          due: the earliest delayed retry or lease expiry, -1 when there is neither, now when
--          the search ran out (look again)
-- ATOMIC   a claim bumps the attempt, leases the task and marks its block and job processing in
--          one step; a note read is acknowledged and deleted at once.
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
  local t = redis.call('HMGET', tk, 'attempt', 'claims', 'entry', 'failures')
  if t[3] == QUEUED then redis.call('HINCRBY', COUNTERS, QUEUED_COUNTER, -1) end
  local id, index = split_task_id(tid)
  local claims = tonumber(t[2])
  if claims >= max_claims then
    local err = 'gave up after ' .. claims .. ' claims without a result'
    if index then
      local last = redis.call('HGET', block_key(id, index), 'error')
      if last and last ~= '' then err = err .. ' (last error: ' .. last .. ')' end
    end
    redis.call('HSET', tk, 'entry', '')
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
  local failures = tonumber(t[4]) or 0  -- absent in tasks stored before it
  if index then return {0, id, index, attempt, failures} end
  return {1, id, 0, attempt, failures}
end

-- True when queued id `tid` is its task's current place in a queue (not stale).
local function still_queued(tid)
  local t = redis.call('HMGET', task_key(tid), 'state', 'entry')
  return t[2] == QUEUED and tonumber(t[1]) ~= TASK_LEASED
end

-- A stream entry read by `worker`: acknowledged and deleted in any case. A task entry of the
-- version before queues that is still its task's current one moves the task to its queue.
local function read_note(entry, fields)
  redis.pcall('XACK', STREAM, GROUP, entry)
  redis.call('XDEL', STREAM, entry)
  if not fields or fields[1] ~= 't' then return end
  local tid = fields[2]
  if redis.call('HGET', task_key(tid), 'entry') ~= entry then return end
  redis.call('HSET', task_key(tid), 'entry', '')
  push(tid)
end

-- The next task id of the next owner in `lane`'s ring (the owner goes to the back of the ring
-- while its queue holds more); nil when the ring is empty.
local function pop_lane(lane)
  local ring = ring_key(lane)
  local owner = redis.call('LPOP', ring)
  if not owner then return nil end
  local q = queue_key(lane, owner)
  local tid = redis.call('LPOP', q)
  if redis.call('LLEN', q) > 0 then redis.call('RPUSH', ring, owner) end
  return tid or false
end

if given ~= '' then
  local found = redis.call('XRANGE', STREAM, given, given)
  if #found > 0 then
    read_note(given, found[1][2])
  else
    redis.pcall('XACK', STREAM, GROUP, given)
  end
end
local task = false
-- Assemblies before blocks: a job whose blocks are done is not kept behind other jobs' blocks.
while not task do
  local tid = redis.call('LPOP', ASSEMBLIES)
  if not tid then break end
  if still_queued(tid) then task = take(tid) end
end
local budget = 256
local read_notes = false
-- The lane the task came from ('i', 'b'; '' for an assembly, an expired lease or a note).
local from_lane = ''
-- ARGV[8] 'b': this worker has taken interactive tasks several times in a row; batch first this
-- once, so that short jobs cannot keep long ones from ever being claimed.
local lanes = LANES
if ARGV[8] == 'b' then lanes = {'b', 'i'} end
while not task and budget > 0 do
  budget = budget - 1
  local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now, 'LIMIT', 0, 1)
  local tid = nil
  if #expired > 0 then
    task = take(expired[1])
  else
    local popped_from = ''
    for _, lane in ipairs(lanes) do
      tid = pop_lane(lane)
      if tid ~= nil then
        popped_from = lane
        break
      end
    end
    if tid then
      if still_queued(tid) then
        task = take(tid)
        if task then from_lane = popped_from end
      end
    elseif tid == nil then
      -- Every ring is empty: tasks of the version before queues may still be in the stream.
      local entry = redis.call('XAUTOCLAIM', STREAM, GROUP, worker, handoff_ms, '0-0',
                               'COUNT', 1)[2][1]
      if not entry then
        local new = redis.call('XREADGROUP', 'GROUP', GROUP, worker, 'COUNT', 1,
                               'STREAMS', STREAM, '>')
        if not new then break end
        entry = new[1][2][1]
      end
      read_notes = true
      read_note(entry[1], entry[2])
    end
  end
end
if task then
  if not read_notes then  -- pcall: the task is taken whatever happens to the note
    local new = redis.pcall('XREADGROUP', 'GROUP', GROUP, worker, 'COUNT', 1,
                            'STREAMS', STREAM, '>')
    if type(new) == 'table' and new[1] then read_note(new[1][2][1][1], new[1][2][1][2]) end
  end
  return {1, task[1], task[2], task[3], task[4], task[5], from_lane}
end
if budget == 0 then return {0, now} end
local next_due = -1
local delayed = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
if #delayed > 0 then next_due = tonumber(delayed[2]) end
local lease = redis.call('ZRANGE', LEASES, 0, 0, 'WITHSCORES')
if #lease > 0 and (next_due < 0 or tonumber(lease[2]) < next_due) then
  next_due = tonumber(lease[2])
end
return {0, next_due}
