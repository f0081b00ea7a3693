-- forget_consumers: deletes each named consumer of the task stream's group that has no pending
-- entry (a stopping process's own, so that the group does not grow with every run).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2 ..] consumer     string   consumer names (worker ids), any number
-- RETURNS  how many were deleted (integer)
-- ATOMIC   a consumer is deleted only if it holds no entry at that moment.
-- Runs after prelude.lua (key names, statuses, shared steps).

local deleted = 0
for i = 2, #ARGV do
  local pending = redis.pcall('XPENDING', STREAM, GROUP, '-', '+', 1, ARGV[i])
  if type(pending) == 'table' and not pending.err and #pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', STREAM, GROUP, ARGV[i])
    deleted = deleted + 1
  end
end
return deleted
