-- complete_block: records a block's audio, fenced by the lease of the attempt that rendered it.
-- The block becomes done at most once; blocks_done grows by one (never decreases); the block's
-- and the owner's usage grow once per accepted completion; the completion that makes blocks_done reach
-- blocks_total enqueues the assembly, once (assembly_enqueued).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] task id         string   '<job id>:<block index>', or '<job id>:a' (assembly)
--          [4] attempt         integer  the claim's fencing token
--          [5] worker          string   the worker id that claimed it
--          [6] segment_key     string   blob key of the block's segment
--          [7] speech_samples  integer
--          [8] pause_samples   integer
--          [9] provider        string   the provider that spoke it
--          [10] voice_id       string   the voice it used
--          [11] spoken_text    string   an Arabic block's diacritized text; '' for others
--          [12] n              integer  providers this attempt used
--          then 6 per provider i = 0 .. n - 1, from ARGV[13 + 6 i]: name (string), calls,
--          characters, cache_hits, failures, retries (integers): what this attempt cost
--          then, ARGV[13 + 6 n]: timing_json (string: core/word_timing.h BlockTimings, kept in
--          the block hash)
-- RETURNS  {outcome, 1 when this completion enqueued the assembly else 0}; outcome: 1 accepted,
--          2 duplicate (this very attempt's report is already recorded: nothing changed), 0
--          refused (the lease is lost, or the block or job is gone)
-- ATOMIC   the block, the job, the usage and the queue change in one step; a refused or
--          duplicate report changes nothing.
-- Runs after prelude.lua (key names, statuses, shared steps).

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
           'result_provider', ARGV[9], 'result_voice_id', ARGV[10], 'spoken_text', ARGV[11])
redis.call('HINCRBY', COUNTERS, 'blocks_done', 1)
local providers = tonumber(ARGV[12])
redis.call('HSET', bk, 'timing_json', ARGV[13 + providers * 6] or '')
local cached = false
for i = 0, providers - 1 do
  local a = 13 + i * 6
  if ARGV[a] == ARGV[9] and tonumber(ARGV[a + 3]) > 0 then cached = true end
end
emit(id, {type = 'block.done', index = index, provider = ARGV[9], voice = ARGV[10],
          speech_samples = tonumber(ARGV[7]), pause_samples = tonumber(ARGV[8]),
          cached = cached}, now)
place_done_blocks(id, now)
record_usage(id, index, owner, 13, providers)
drop_task(tid)
local done = redis.call('HINCRBY', jk, 'blocks_done', 1)
uncount_queued(id, 0, 1)
local enqueued = 0
if done == tonumber(redis.call('HGET', jk, 'blocks_total')) and
   redis.call('HGET', jk, 'assembly_enqueued') ~= '1' then
  redis.call('HSET', jk, 'assembly_enqueued', 1)
  new_task(task_id(id, 'a'))
  enqueued = 1
end
set_job_status(id, JOB_PROCESSING, now)
return {ACCEPTED, enqueued}
