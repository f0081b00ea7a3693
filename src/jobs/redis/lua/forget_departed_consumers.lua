-- forget_departed_consumers: deletes the consumers of the task stream's group that hold no entry
-- and have not read for idle_ms (Redis time): those of worker processes that went away without
-- stopping (killed, crashed), which forget_consumers never saw. A live worker reads at least
-- every max_block_ms while idle; one busy rendering past idle_ms holds no entry either (a note is
-- acknowledged when read), and its next read creates its consumer again.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] idle_ms         integer  the least idle time of a consumer deleted
-- RETURNS  how many were deleted (integer); 0 when the stream or its group does not exist
-- ATOMIC   a consumer is deleted only if it holds no entry and is idle at that moment.
-- Runs after prelude.lua (key names, statuses, shared steps).

local idle_ms = tonumber(ARGV[2])
local consumers = redis.pcall('XINFO', 'CONSUMERS', STREAM, GROUP)
if type(consumers) ~= 'table' or consumers.err then return 0 end
local deleted = 0
for _, consumer in ipairs(consumers) do
  local fields = {}
  for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
  if fields['pending'] == 0 and tonumber(fields['idle']) >= idle_ms then
    redis.call('XGROUP', 'DELCONSUMER', STREAM, GROUP, fields['name'])
    deleted = deleted + 1
  end
end
return deleted
