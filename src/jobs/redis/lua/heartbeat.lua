-- heartbeat: extends the lease of the attempt that holds it.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] task id         string   '<job id>:<block index>', or '<job id>:a' (assembly)
--          [4] attempt         integer  the claim's fencing token
--          [5] worker          string   the worker id that claimed it
--          [6] lease_ms        integer  the lease now ends at now + lease_ms
-- RETURNS  1 when the lease was extended, 0 when it was lost (nothing changed)
-- FENCED   by (attempt, worker): a lease past its expiry that nobody took over is still theirs.
-- Runs after prelude.lua (key names, statuses, shared steps).

local tid = ARGV[3]
if not holds_lease(tid, ARGV[4], ARGV[5]) then return 0 end
redis.call('ZADD', LEASES, 'XX', tonumber(ARGV[2]) + tonumber(ARGV[6]), tid)
return 1
