-- prelude: the Lua shared by the job and task scripts, which run it first (each says "Runs
-- after prelude.lua"): key names, status codes and the multi-key steps several scripts take
-- (status changes with their counters, dropping a task wherever it is, withdrawing a job's
-- work, failing a job). It is not a script of its own; everything here is local to the script
-- it opens.
--
-- KEYS     none: P, the prefix of every key, is ARGV[1] (key layout: redis_job_store.h).
-- Numbers: statuses are the integers of JobStatus/BlockStatus (jobs/job_record.h); task states
-- are 0 waiting (in the stream), 1 leased, 2 retrying (in the delayed set, or in the stream
-- once due); outcomes are scripts::ScriptOutcome (redis_scripts.h).

local P = ARGV[1]
local STREAM = P .. 'tasks'
local GROUP = 'workers'
local LEASES = P .. 'leases'
local DELAYED = P .. 'delayed'
local ASSEMBLIES = P .. 'tasks:assembly'
local COUNTERS = P .. 'counters'
local JOB_QUEUED, JOB_PROCESSING, JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED = 0, 1, 2, 3, 4
local BLOCK_QUEUED, BLOCK_PROCESSING, BLOCK_DONE, BLOCK_FAILED, BLOCK_CANCELLED = 0, 1, 2, 3, 4
local TASK_WAITING, TASK_LEASED, TASK_RETRYING = 0, 1, 2
local REFUSED, ACCEPTED, DUPLICATE = 0, 1, 2

local function job_key(id) return P .. 'job:' .. id end
local function block_key(id, index) return P .. 'job:' .. id .. ':block:' .. index end
local function task_key(tid) return P .. 'task:' .. tid end
-- A task id is '<job id>:<block index>', or '<job id>:a' for the job's assembly.
local function task_id(id, part) return id .. ':' .. part end
local function split_task_id(tid)
  local id, part = string.match(tid, '^(.*):([^:]*)$')
  if part == 'a' then return id, false end
  return id, tonumber(part)
end

-- Appends event `body` (a table: jobs/job_events.h), stamped at_ms = `now`, to job `id`'s log
-- (P job:<id>:events, a list whose length is the latest seq) and announces it on P events as
-- '<id>\n<owner>\n<seq>\n<JSON body>'.
local function emit(id, body, now)
  body.at_ms = now
  local jk = job_key(id)
  -- The job's own rate, for events that count samples (0: the configured one).
  if body.speech_samples or body.offset_samples or body.duration_samples then
    local rate = tonumber(redis.call('HGET', jk, 'sample_rate') or '0') or 0
    if rate > 0 then body.sample_rate = rate end
  end
  local json = cjson.encode(body)
  local seq = redis.call('RPUSH', jk .. ':events', json)
  redis.call('PUBLISH', P .. 'events',
             id .. '\n' .. redis.call('HGET', jk, 'owner') .. '\n' .. seq .. '\n' .. json)
end

-- Emits block.placed for each block that every earlier block being done now places, from the
-- job's blocks_placed on, moving blocks_placed and placed_samples on.
local function place_done_blocks(id, now)
  local jk = job_key(id)
  local placed = tonumber(redis.call('HGET', jk, 'blocks_placed') or '0')
  local offset = tonumber(redis.call('HGET', jk, 'placed_samples') or '0')
  local total = tonumber(redis.call('HGET', jk, 'blocks_total'))
  local first = placed
  while placed < total do
    local b = redis.call('HMGET', block_key(id, placed), 'status', 'speech_samples',
                         'pause_samples')
    if tonumber(b[1]) ~= BLOCK_DONE then break end
    emit(id, {type = 'block.placed', index = placed, offset_samples = offset}, now)
    offset = offset + tonumber(b[2]) + tonumber(b[3])
    placed = placed + 1
  end
  if placed ~= first then
    redis.call('HSET', jk, 'blocks_placed', placed, 'placed_samples', offset)
  end
end

-- The webhook outbox (webhook_outbox.h; layout: redis_job_store.h): a delivery per finished job
-- that has a webhook_url, due from `now`, written by whichever script finishes the job.
local WEBHOOKS_DUE = P .. 'webhooks:due'
local function enqueue_webhook(id, now)
  local job = redis.call('HMGET', job_key(id), 'webhook_url', 'webhook_base_url', 'owner')
  if not job[1] or job[1] == '' then return end
  local wid = 'msg_' .. id
  local wk = P .. 'webhook:' .. wid
  if redis.call('EXISTS', wk) == 1 then return end
  redis.call('HSET', wk, 'id', wid, 'job_id', id, 'owner', job[3], 'url', job[1],
             'base_url', job[2] or '', 'created_at_ms', now, 'attempts', 0, 'lease', 0,
             'body', '', 'last_error', '')
  redis.call('ZADD', WEBHOOKS_DUE, now, wid)
end

-- What each owner has queued, for the quotas (P quota:<owner>: jobs, blocks), counted for the
-- jobs stored since it exists (quota_counted = 1 in the job hash).
local function quota_key(owner) return P .. 'quota:' .. owner end
local function uncount_queued(id, jobs, blocks)
  local job = redis.call('HMGET', job_key(id), 'quota_counted', 'owner')
  if job[1] ~= '1' then return end
  local qk = quota_key(job[2])
  if jobs ~= 0 then redis.call('HINCRBY', qk, 'jobs', -jobs) end
  if blocks ~= 0 then redis.call('HINCRBY', qk, 'blocks', -blocks) end
end

-- Moves job `id` to `status`, stamping it `now`; the per-status counters, the index of
-- finished jobs, the owner's queued work and, when it finishes, its webhook delivery follow.
local function set_job_status(id, status, now)
  local jk = job_key(id)
  local old = tonumber(redis.call('HGET', jk, 'status'))
  if status >= JOB_COMPLETED and old < JOB_COMPLETED then
    local j = redis.call('HMGET', jk, 'blocks_total', 'blocks_done')
    uncount_queued(id, 1, tonumber(j[1]) - tonumber(j[2]))
  end
  redis.call('HSET', jk, 'status', status, 'updated_at_ms', now)
  if old ~= status then
    redis.call('HINCRBY', COUNTERS, 'jobs.' .. old, -1)
    redis.call('HINCRBY', COUNTERS, 'jobs.' .. status, 1)
    if status >= JOB_COMPLETED then redis.call('ZADD', P .. 'jobs:finished', now, id) end
  end
  if status >= JOB_COMPLETED and old < JOB_COMPLETED then enqueue_webhook(id, now) end
end

-- Claimable tasks wait in queues, not in the stream. A block task waits in its owner's queue of
-- its job's lane (P queue:<lane>:<owner>, lane 'i' interactive or 'b' batch); an owner whose
-- queue is not empty is in the lane's ring (P ring:<lane>), so that claims take one task per
-- owner in turn. An assembly waits in ASSEMBLIES. A waiting task's `entry` is QUEUED while it
-- is in a queue; a queued id whose task no longer says so is stale (withdrawn) and skipped.
-- The stream carries wake-up notes {w = 1} for workers blocked in XREADGROUP; entries {t = tid}
-- are tasks queued by the version before queues, taken over into the queues when read.
local QUEUED = 'q'
local QUEUED_COUNTER = 'tasks.queued'
local LANES = {'i', 'b'}
local function queue_key(lane, owner) return P .. 'queue:' .. lane .. ':' .. owner end
local function ring_key(lane) return P .. 'ring:' .. lane end

-- Appends `tids` (block tasks of one job, in order) to `owner`'s queue in `lane`, the owner
-- joining the lane's ring when its queue was empty. Chunks keep unpack() within Lua's limits.
local function enqueue_blocks(owner, lane, tids)
  local q = queue_key(lane, owner)
  for first = 1, #tids, 1000 do
    local last = math.min(#tids, first + 999)
    local length = redis.call('RPUSH', q, unpack(tids, first, last))
    if length == last - first + 1 then redis.call('RPUSH', ring_key(lane), owner) end
  end
  for _, tid in ipairs(tids) do redis.call('HSET', task_key(tid), 'entry', QUEUED) end
  redis.call('HINCRBY', COUNTERS, QUEUED_COUNTER, #tids)
end

-- Wakes up to `n` workers blocked waiting for a task (at most 64: a worker that claimed a task
-- claims again without waiting, so one note per blocked worker is enough).
local function wake(n)
  for _ = 1, math.min(n, 64) do redis.call('XADD', STREAM, '*', 'w', '1') end
end

-- Makes task `tid` claimable now, in its queue.
local function push(tid)
  local id, index = split_task_id(tid)
  if index then
    local job = redis.call('HMGET', job_key(id), 'owner', 'lane')
    enqueue_blocks(job[1], job[2] or 'b', {tid})
  else
    redis.call('RPUSH', ASSEMBLIES, tid)
    redis.call('HSET', task_key(tid), 'entry', QUEUED)
    redis.call('HINCRBY', COUNTERS, QUEUED_COUNTER, 1)
  end
  wake(1)
end

-- A task never claimed (its entry is set when it is queued).
local function init_task(tid)
  redis.call('HSET', task_key(tid), 'state', TASK_WAITING, 'attempt', 0, 'claims', 0,
             'worker', '', 'entry', '')
end

-- A task never claimed, claimable now.
local function new_task(tid)
  init_task(tid)
  push(tid)
end

-- Deletes task `tid` wherever it is: its stream entry (pending in the group or not), its lease,
-- its delayed retry. Its holder's reports will be refused.
local function drop_task(tid)
  local tk = task_key(tid)
  local entry = redis.call('HGET', tk, 'entry')
  if entry == QUEUED then
    redis.call('HINCRBY', COUNTERS, QUEUED_COUNTER, -1)  -- its queued id is now stale
  elseif entry and entry ~= '' then  -- a stream entry of the version before queues
    redis.pcall('XACK', STREAM, GROUP, entry)
    redis.call('XDEL', STREAM, entry)
  end
  redis.call('ZREM', LEASES, tid)
  redis.call('ZREM', DELAYED, tid)
  redis.call('DEL', tk)
end

-- Stops all work of job `id`: unfinished blocks cancelled, every task dropped.
local function withdraw(id)
  local total = tonumber(redis.call('HGET', job_key(id), 'blocks_total'))
  for i = 0, total - 1 do
    local bk = block_key(id, i)
    local status = tonumber(redis.call('HGET', bk, 'status'))
    if status == BLOCK_QUEUED or status == BLOCK_PROCESSING then
      redis.call('HSET', bk, 'status', BLOCK_CANCELLED)
    end
    drop_task(task_id(id, i))
  end
  drop_task(task_id(id, 'a'))
end

-- Fails job `id` because of its block `index` (false: its assembly) with `err`, recording
-- `attempt` as the one that reported it (false: nobody did, the store gave up on the task).
local function fail_job(id, index, attempt, err, now)
  local jk = job_key(id)
  local job_error
  if index then
    job_error = 'block ' .. index .. ' failed: ' .. err
    local bk = block_key(id, index)
    redis.call('HSET', bk, 'status', BLOCK_FAILED, 'error', err)
    if attempt then redis.call('HSET', bk, 'reported_attempt', attempt) end
    redis.call('HINCRBY', COUNTERS, 'blocks_failed', 1)
    emit(id, {type = 'block.failed', index = index, reason = err}, now)
  else
    job_error = 'assembly failed: ' .. err
    if attempt then redis.call('HSET', jk, 'assembly_attempt', attempt) end
  end
  withdraw(id)
  redis.call('HSET', jk, 'error', job_error)
  set_job_status(id, JOB_FAILED, now)
  emit(id, {type = 'job.failed', error = job_error}, now)
end

-- Adds what one attempt of block `index` of job `id` cost to the block's usage (usage_json: every
-- attempt's, JSON as core/usage.h writes it) and to the usage hash of `owner`: `n` providers in
-- ARGV from `first` on, 6 values each (name, then the USAGE_COUNTERS in their order).
local USAGE_COUNTERS = {'calls', 'characters', 'cache_hits', 'failures', 'retries'}
local function record_usage(id, index, owner, first, n)
  if n == 0 then return end
  local bk = block_key(id, index)
  local totals = {}
  local stored = redis.call('HGET', bk, 'usage_json')
  if stored then
    local ok, decoded = pcall(cjson.decode, stored)
    if ok and type(decoded) == 'table' then totals = decoded end
  end
  local usage = P .. 'usage:' .. owner
  for i = 0, n - 1 do
    local a = first + i * 6
    local provider = ARGV[a]
    local entry
    for _, e in ipairs(totals) do
      if e.provider == provider then entry = e end
    end
    if not entry then
      entry = {provider = provider}
      table.insert(totals, entry)
    end
    for k, counter in ipairs(USAGE_COUNTERS) do
      entry[counter] = (tonumber(entry[counter]) or 0) + tonumber(ARGV[a + k])
      redis.call('HINCRBY', usage, provider .. '|' .. counter, ARGV[a + k])
    end
  end
  redis.call('HSET', bk, 'usage_json', cjson.encode(totals))
  redis.call('SADD', P .. 'usage:owners', owner)
end

-- True when `attempt` of `worker` holds task `tid`'s lease (expired or not: fencing is by
-- attempt, and a lease nobody has taken over still belongs to its holder).
local function holds_lease(tid, attempt, worker)
  local t = redis.call('HMGET', task_key(tid), 'state', 'attempt', 'worker')
  return t[1] == tostring(TASK_LEASED) and t[2] == attempt and t[3] == worker
end
