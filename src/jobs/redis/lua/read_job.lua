-- read_job: a job and, when asked, its blocks, whole or only what progress needs.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the job id
--          [3] blocks          'none', 'all' (every field) or 'progress' (the fields
--                              JobStore::get_job_progress keeps: no text, spoken text or
--                              timings, which are most of a block's bytes)
-- RETURNS  nil for an unknown job, else {job fields, block 0 fields, block 1 fields, ...}
--          (HGETALL-style arrays of names and values; the blocks only when asked)
-- ATOMIC   read only: one consistent snapshot of the job and its blocks.
-- Runs after prelude.lua (key names, statuses, shared steps).

local PROGRESS_FIELDS = {'status', 'attempts', 'error', 'usage_json', 'segment_key',
                         'speech_samples', 'pause_samples', 'result_provider', 'result_voice_id'}

local id = ARGV[2]
local job = redis.call('HGETALL', job_key(id))
if #job == 0 then return false end
local out = {job}
if ARGV[3] ~= 'none' then
  local total = tonumber(redis.call('HGET', job_key(id), 'blocks_total'))
  for i = 0, total - 1 do
    if ARGV[3] == 'progress' then
      local values = redis.call('HMGET', block_key(id, i), unpack(PROGRESS_FIELDS))
      local fields = {}
      for f = 1, #PROGRESS_FIELDS do
        if values[f] then
          fields[#fields + 1] = PROGRESS_FIELDS[f]
          fields[#fields + 1] = values[f]
        end
      end
      out[#out + 1] = fields
    else
      out[#out + 1] = redis.call('HGETALL', block_key(id, i))
    end
  end
end
return out
