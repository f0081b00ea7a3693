-- read_job: a job and, when asked, its blocks.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the job id
--          [3] with_blocks     '1'/'0'
-- RETURNS  nil for an unknown job, else {job fields, block 0 fields, block 1 fields, ...}
--          (HGETALL arrays; the blocks only when asked)
-- ATOMIC   read only: one consistent snapshot of the job and its blocks.
-- Runs after prelude.lua (key names, statuses, shared steps).

local id = ARGV[2]
local job = redis.call('HGETALL', job_key(id))
if #job == 0 then return false end
local out = {job}
if ARGV[3] == '1' then
  local total = tonumber(redis.call('HGET', job_key(id), 'blocks_total'))
  for i = 0, total - 1 do out[#out + 1] = redis.call('HGETALL', block_key(id, i)) end
end
return out
