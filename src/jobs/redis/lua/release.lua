-- release: gives a lease back: the task is claimable at once, this claim not counted against
-- the poison limit, the attempt number kept (a fencing token is never handed out twice).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] task id         string   '<job id>:<block index>', or '<job id>:a' (assembly)
--          [3] attempt         integer  the claim's fencing token
--          [4] worker          string   the worker id that claimed it
-- RETURNS  1 when released, 0 when the lease was already lost (nothing changed)
-- FENCED   by (attempt, worker), in one step.
-- Runs after prelude.lua (key names, statuses, shared steps).

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
