-- read_events: a job's event log (jobs/job_events.h) after a given event.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the job id
--          [3] after           integer  the seq after which events are read
--          [4] limit           integer  at most this many events (0: none)
-- RETURNS  nil for an unknown job, else {owner, latest seq, event JSON...} (the events after
--          `after`, in order; the first has seq after + 1)
-- ATOMIC   one read: the latest seq and the events agree.
-- Runs after prelude.lua (key names, statuses, shared steps).

local id, after, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local jk = job_key(id)
local owner = redis.call('HGET', jk, 'owner')
if not owner then return false end
local last = redis.call('LLEN', jk .. ':events')
local out = {owner, last}
if limit > 0 and after < last then
  for _, body in ipairs(redis.call('LRANGE', jk .. ':events', after, after + limit - 1)) do
    out[#out + 1] = body
  end
end
return out
