// Lua of the TaskQueue half of the Redis backend (keys and values: redis_job_store.h). Every
// report is fenced: it changes something only when the reporting attempt (and worker) still holds
// the task's lease, checked and applied in one script.
#include "jobs/redis/redis_lua_prelude.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis::scripts {

// ARGV: prefix, now, worker, lease_ms, max_claims, entry (a stream entry this worker's blocking
// XREADGROUP was delivered, or ''), handoff_ms.
// In order: moves due delayed retries to the stream; takes the given entry; else the oldest
// assembly enqueued (P tasks:assembly) that still waits; else the oldest expired lease; else an
// entry delivered to a reader that never leased it (idle in the group's pending list for
// handoff_ms: its reader died between its blocking read and this script); else a new entry
// (XREADGROUP '>'). Stale entries are dropped, poison tasks (max_claims
// reached) fail their block and job, and the search goes on (bounded).
// Returns [1, kind (0 block, 1 assembly), job id, block index, attempt] for a claimed task;
// [0, next_due_ms] when none is due (-1: no delayed retry nor lease at all; now: look again).
const Script& claim() {
  static const OwnedScript s("claim", R"lua(
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
)lua");
  return s.script;
}

// ARGV: prefix, now, task id, attempt, worker, lease_ms. Returns 1 when the lease was extended,
// 0 when it was lost.
const Script& heartbeat() {
  static const OwnedScript s("heartbeat", R"lua(
local tid = ARGV[3]
if not holds_lease(tid, ARGV[4], ARGV[5]) then return 0 end
redis.call('ZADD', LEASES, 'XX', tonumber(ARGV[2]) + tonumber(ARGV[6]), tid)
return 1
)lua");
  return s.script;
}

// ARGV: prefix, now, task id, attempt, worker, segment_key, speech_samples, pause_samples,
// provider, voice_id, usage_json, n, then per provider used: name, calls, characters,
// cache_hits, failures, retries.
// The block becomes done at most once; blocks_done grows by one (never decreases); the owner's
// usage grows once per accepted completion; the completion that makes blocks_done reach
// blocks_total enqueues the assembly, once (assembly_enqueued).
// Returns [outcome, 1 when the assembly was enqueued else 0].
const Script& complete_block() {
  static const OwnedScript s("complete_block", R"lua(
local now, tid, attempt, worker = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local id, index = split_task_id(tid)
local jk = job_key(id)
local owner = redis.call('HGET', jk, 'owner')
if not owner or not index then return {REFUSED, 0} end
local bk = block_key(id, index)
local block = redis.call('HMGET', bk, 'status', 'reported_attempt')
if not block[1] then return {REFUSED, 0} end
if tonumber(block[1]) == BLOCK_DONE then
  if block[2] == attempt then return {DUPLICATE, 0} end
  return {REFUSED, 0}
end
if not holds_lease(tid, attempt, worker) then return {REFUSED, 0} end

redis.call('HSET', bk, 'status', BLOCK_DONE, 'reported_attempt', attempt, 'error', '',
           'segment_key', ARGV[6], 'speech_samples', ARGV[7], 'pause_samples', ARGV[8],
           'result_provider', ARGV[9], 'result_voice_id', ARGV[10], 'usage_json', ARGV[11])
redis.call('HINCRBY', COUNTERS, 'blocks_done', 1)
local providers = tonumber(ARGV[12])
if providers > 0 then
  local usage = P .. 'usage:' .. owner
  for i = 0, providers - 1 do
    local a = 13 + i * 6
    local provider = ARGV[a]
    redis.call('HINCRBY', usage, provider .. '|calls', ARGV[a + 1])
    redis.call('HINCRBY', usage, provider .. '|characters', ARGV[a + 2])
    redis.call('HINCRBY', usage, provider .. '|cache_hits', ARGV[a + 3])
    redis.call('HINCRBY', usage, provider .. '|failures', ARGV[a + 4])
    redis.call('HINCRBY', usage, provider .. '|retries', ARGV[a + 5])
  end
  redis.call('SADD', P .. 'usage:owners', owner)
end
drop_task(tid)
local done = redis.call('HINCRBY', jk, 'blocks_done', 1)
local enqueued = 0
if done == tonumber(redis.call('HGET', jk, 'blocks_total')) and
   redis.call('HGET', jk, 'assembly_enqueued') ~= '1' then
  redis.call('HSET', jk, 'assembly_enqueued', 1)
  new_task(task_id(id, 'a'))
  redis.call('RPUSH', ASSEMBLIES, task_id(id, 'a'))
  enqueued = 1
end
set_job_status(id, JOB_PROCESSING, now)
return {ACCEPTED, enqueued}
)lua");
  return s.script;
}

// ARGV: prefix, now, task id, attempt, worker, error, retry_at_ms ('' = fail for good).
// Returns the outcome.
const Script& fail_task() {
  static const OwnedScript s("fail_task", R"lua(
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
if retry_at == '' then
  fail_job(id, index, attempt, err, now)
  return ACCEPTED
end
redis.call('HSET', tk, 'state', TASK_RETRYING)
redis.call('ZREM', LEASES, tid)
redis.call('ZADD', DELAYED, retry_at, tid)
if index then
  redis.call('HSET', block_key(id, index), 'status', BLOCK_QUEUED, 'error', err)
end
redis.call('HSET', jk, 'updated_at_ms', now)
return ACCEPTED
)lua");
  return s.script;
}

// ARGV: prefix, now, task id, attempt, worker, result_key, manifest_json, bytes. Returns the
// outcome.
const Script& complete_assembly() {
  static const OwnedScript s("complete_assembly", R"lua(
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
return ACCEPTED
)lua");
  return s.script;
}

// ARGV: prefix, task id, attempt, worker. Gives the lease back: the task is claimable at once,
// this claim not counted against the poison limit, the attempt number kept (a fencing token is
// never handed out twice). Returns 1 when released, 0 when the lease was already lost.
const Script& release() {
  static const OwnedScript s("release", R"lua(
local tid = ARGV[2]
if not holds_lease(tid, ARGV[3], ARGV[4]) then return 0 end
local tk = task_key(tid)
redis.call('HINCRBY', tk, 'claims', -1)
redis.call('HSET', tk, 'state', TASK_WAITING, 'worker', '')
redis.call('ZREM', LEASES, tid)
push(tid)
local id, index = split_task_id(tid)
if index then redis.call('HSET', block_key(id, index), 'status', BLOCK_QUEUED) end
return 1
)lua");
  return s.script;
}

// ARGV: prefix, consumer names. Deletes each named consumer of the task stream's group that has
// no pending entry (a stopping process's own, so that the group does not grow with every run).
// Returns how many were deleted.
const Script& forget_consumers() {
  static const OwnedScript s("forget_consumers", R"lua(
local deleted = 0
for i = 2, #ARGV do
  local pending = redis.pcall('XPENDING', STREAM, GROUP, '-', '+', 1, ARGV[i])
  if type(pending) == 'table' and not pending.err and #pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', STREAM, GROUP, ARGV[i])
    deleted = deleted + 1
  end
end
return deleted
)lua");
  return s.script;
}

}  // namespace polyvox::redis::scripts
