// Lua of the JobStore half of the Redis backend (keys and values: redis_job_store.h).
#include "jobs/redis/redis_lua_prelude.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis::scripts {

// ARGV: prefix, now, id, owner, project_id, output_format, n, then per block: text,
// wait_after_ms, provider, voice, arabic, fallback_json, cache. Returns the job's sequence
// number, or 0 when the id exists.
const Script& create_job() {
  static const OwnedScript s("create_job", R"lua(
local now, id, n = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[7])
local jk = job_key(id)
if redis.call('EXISTS', jk) == 1 then return 0 end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', jk, 'id', id, 'seq', seq, 'owner', ARGV[4], 'project_id', ARGV[5],
           'output_format', ARGV[6], 'status', JOB_QUEUED, 'blocks_total', n, 'blocks_done', 0,
           'error', '', 'assembly_enqueued', 0, 'created_at_ms', now, 'updated_at_ms', now)
for i = 0, n - 1 do
  local a = 8 + i * 7
  redis.call('HSET', block_key(id, i), 'text', ARGV[a], 'wait_after_ms', ARGV[a + 1],
             'provider', ARGV[a + 2], 'voice', ARGV[a + 3], 'arabic', ARGV[a + 4],
             'fallback_json', ARGV[a + 5], 'cache', ARGV[a + 6], 'status', BLOCK_QUEUED,
             'attempts', 0, 'error', '')
  new_task(task_id(id, i))
end
redis.call('ZADD', P .. 'jobs', seq, id)
redis.call('ZADD', P .. 'jobs:owner:' .. ARGV[4], seq, id)
redis.call('HINCRBY', COUNTERS, 'jobs.' .. JOB_QUEUED, 1)
return seq
)lua");
  return s.script;
}

// ARGV: prefix, id, with_blocks (1/0). Returns nil for an unknown job, else
// [job fields, block 0 fields, block 1 fields, ...] (HGETALL arrays; blocks when asked).
const Script& read_job() {
  static const OwnedScript s("read_job", R"lua(
local id = ARGV[2]
local job = redis.call('HGETALL', job_key(id))
if #job == 0 then return false end
local out = {job}
if ARGV[3] == '1' then
  local total = tonumber(redis.call('HGET', job_key(id), 'blocks_total'))
  for i = 0, total - 1 do out[#out + 1] = redis.call('HGETALL', block_key(id, i)) end
end
return out
)lua");
  return s.script;
}

// ARGV: prefix, owner ('' = everyone), offset, limit. Returns [total, job fields...], newest
// first.
const Script& list_jobs() {
  static const OwnedScript s("list_jobs", R"lua(
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
)lua");
  return s.script;
}

// ARGV: prefix, id, now. Cancels the job unless it is finished. Returns nil for an unknown job,
// else its fields as they are now.
const Script& cancel_job() {
  static const OwnedScript s("cancel_job", R"lua(
local id, now = ARGV[2], tonumber(ARGV[3])
local status = redis.call('HGET', job_key(id), 'status')
if not status then return false end
if tonumber(status) < JOB_COMPLETED then
  withdraw(id)
  set_job_status(id, JOB_CANCELLED, now)
end
return redis.call('HGETALL', job_key(id))
)lua");
  return s.script;
}

// ARGV: prefix, id. Deletes a finished job. Returns nil for an unknown job, [0, status] for an
// unfinished one, else [1, [blob keys of its segments and result]].
const Script& delete_job() {
  static const OwnedScript s("delete_job", R"lua(
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
redis.call('DEL', jk)
redis.call('ZREM', P .. 'jobs', id)
redis.call('ZREM', P .. 'jobs:owner:' .. job[2], id)
redis.call('ZREM', P .. 'jobs:finished', id)
redis.call('HINCRBY', COUNTERS, 'jobs.' .. status, -1)
return {1, keys}
)lua");
  return s.script;
}

// ARGV: prefix, owner ('' = everyone). Returns [owner, usage fields, owner, usage fields, ...].
const Script& read_usage() {
  static const OwnedScript s("read_usage", R"lua(
local owners = {ARGV[2]}
if ARGV[2] == '' then owners = redis.call('SMEMBERS', P .. 'usage:owners') end
local out = {}
for _, owner in ipairs(owners) do
  local fields = redis.call('HGETALL', P .. 'usage:' .. owner)
  if #fields > 0 then
    out[#out + 1] = owner
    out[#out + 1] = fields
  end
end
return out
)lua");
  return s.script;
}

}  // namespace polyvox::redis::scripts
