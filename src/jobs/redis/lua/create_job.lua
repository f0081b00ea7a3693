-- create_job: a new job: its hash, its blocks, one claimable task per block (in its owner's
-- queue of the job's lane), wake-up notes, its place in the job indexes, the per-status counters.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock: created_at_ms, updated_at_ms
--          [3] id              string   the job id
--          [4] owner           string   the owner's user id
--          [5] owner_name      string   the owner's user name (display; kept in usage:names)
--          [6] project_id      string   '' when none
--          [7] output_format   string   its name ("mp3", ...)
--          [8] n               integer  blocks, at least 1
--          then 11 per block i = 0 .. n - 1, from ARGV[9 + 11 i]: text (string), wait_after_ms
--          (integer), provider (string), voice (string), arabic ('1'/'0'), fallback_json (JSON
--          of its fallbacks), cache ('1'/'0'), speed (number as text), instructions (string),
--          speaker (string, '' = none), chapter (string, '' = none)
--          then, from ARGV[9 + 11 n]: webhook_url (string, '' = none), webhook_base_url (string:
--          base of the links in the webhook body); both kept in the job hash when the URL is set
--          then, from ARGV[11 + 11 n]: sample_rate, bitrate_kbps (integers as submitted, 0 = the
--          default)
--          then, from ARGV[13 + 11 n]: parent_id (string: the job this one revises, '' = none;
--          kept in the job hash)
--          then, from ARGV[14 + 11 n]: profile (string, '' = the server's loudness), cover_url
--          (string, '' = none)
--          then ARGV[16 + 11 n]: interactive ('1'/'0': JobSpec::interactive), ARGV[17 + 11 n]:
--          lane ('i' interactive, 'b' batch: where its tasks are claimed)
--          then from ARGV[18 + 11 n]: the owner's quotas max_queued_jobs, max_queued_blocks,
--          max_chars_per_day ('' = unlimited), the job's characters, the UTC day of now
-- RETURNS  the job's sequence number (integer > 0), or 0 when a job with this id exists
--          (nothing written), or {quota name, limit, what the job would make it} when it would
--          exceed one of its owner's quotas (nothing written)
-- IDEMPOTENT by id: run twice with the same id, the second run writes nothing (no second job,
--          no task enqueued twice) and answers 0, so that it may be sent again when its answer
--          was lost; RedisJobStore::create_job then reads the stored job and answers success when
--          it is this same submission (owner, project, format, blocks), an error otherwise.
-- ATOMIC   the job appears whole (blocks, tasks, indexes, counters) or not at all.
-- Runs after prelude.lua (key names, statuses, shared steps).

local now, id, owner, n = tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[8])
local jk = job_key(id)
if redis.call('EXISTS', jk) == 1 then return 0 end
-- The scheduling values, after every other job-level value.
local interactive, lane, q = ARGV[16 + n * 11], ARGV[17 + n * 11], 18 + n * 11
local qk = quota_key(owner)
local queued = redis.call('HMGET', qk, 'jobs', 'blocks')
local queued_jobs, queued_blocks = tonumber(queued[1] or '0') + 1, tonumber(queued[2] or '0') + n
if ARGV[q] ~= '' and queued_jobs > tonumber(ARGV[q]) then
  return {'max_queued_jobs', tonumber(ARGV[q]), queued_jobs}
end
if ARGV[q + 1] ~= '' and queued_blocks > tonumber(ARGV[q + 1]) then
  return {'max_queued_blocks', tonumber(ARGV[q + 1]), queued_blocks}
end
if ARGV[q + 2] ~= '' then
  local ck = P .. 'chars:' .. owner .. ':' .. ARGV[q + 4]
  local chars = tonumber(redis.call('GET', ck) or '0') + tonumber(ARGV[q + 3])
  if chars > tonumber(ARGV[q + 2]) then
    return {'max_chars_per_day', tonumber(ARGV[q + 2]), chars}
  end
  redis.call('SET', ck, chars, 'EX', 2 * 86400)
end
redis.call('HINCRBY', qk, 'jobs', 1)
redis.call('HINCRBY', qk, 'blocks', n)
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', jk, 'id', id, 'seq', seq, 'owner', owner, 'owner_name', ARGV[5],
           'project_id', ARGV[6], 'output_format', ARGV[7],
           'sample_rate', ARGV[11 + n * 11] or '0', 'bitrate_kbps', ARGV[12 + n * 11] or '0',
           'parent_id', ARGV[13 + n * 11] or '',
           'profile', ARGV[14 + n * 11] or '', 'cover_url', ARGV[15 + n * 11] or '',
           'status', JOB_QUEUED,
           'blocks_total', n, 'blocks_done', 0, 'error', '', 'assembly_enqueued', 0,
           'created_at_ms', now, 'updated_at_ms', now, 'interactive', interactive,
           'lane', lane, 'quota_counted', 1)
local tids = {}
for i = 0, n - 1 do
  local a = 9 + i * 11
  redis.call('HSET', block_key(id, i), 'text', ARGV[a], 'wait_after_ms', ARGV[a + 1],
             'provider', ARGV[a + 2], 'voice', ARGV[a + 3], 'arabic', ARGV[a + 4],
             'fallback_json', ARGV[a + 5], 'cache', ARGV[a + 6], 'speed', ARGV[a + 7],
             'instructions', ARGV[a + 8], 'speaker', ARGV[a + 9], 'chapter', ARGV[a + 10],
             'status', BLOCK_QUEUED,
             'attempts', 0, 'error', '')
  tids[i + 1] = task_id(id, i)
  init_task(tids[i + 1])
end
enqueue_blocks(owner, lane, tids)
wake(n)
local webhook = 9 + n * 11
if ARGV[webhook] and ARGV[webhook] ~= '' then
  redis.call('HSET', jk, 'webhook_url', ARGV[webhook], 'webhook_base_url', ARGV[webhook + 1])
end
redis.call('ZADD', P .. 'jobs', seq, id)
redis.call('ZADD', P .. 'jobs:owner:' .. owner, seq, id)
redis.call('HSET', P .. 'usage:names', owner, ARGV[5])
redis.call('HINCRBY', COUNTERS, 'jobs.' .. JOB_QUEUED, 1)
return seq
