-- record_webhook: records the outcome of one attempt at a webhook delivery, fenced by the lease
-- number of the claim that made it: delivered or given up (the delivery is removed), or a retry
-- at retry_at_ms (attempts + 1, the body kept for the next attempts, the error remembered).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] id              string   the delivery id ('msg_<job id>')
--          [3] lease           integer  the claim's fencing token
--          [4] outcome         string   'delivered', 'gave_up' or 'retry'
--          [5] retry_at_ms     integer  'retry': when, on the store's Clock
--          [6] body            string   'retry': the body sent (kept if none is yet)
--          [7] error           string   'retry': why the attempt failed
-- RETURNS  1 when recorded, 0 when the lease was lost (a later claim holds or finished the
--          delivery; nothing changed)
-- ATOMIC   one step.
-- Runs alone (no prelude).

local P, wid = ARGV[1], ARGV[2]
local wk = P .. 'webhook:' .. wid
local due_key = P .. 'webhooks:due'
if redis.call('HGET', wk, 'lease') ~= ARGV[3] then return 0 end
if ARGV[4] ~= 'retry' then
  redis.call('DEL', wk)
  redis.call('ZREM', due_key, wid)
  return 1
end
redis.call('HINCRBY', wk, 'attempts', 1)
if redis.call('HGET', wk, 'body') == '' then redis.call('HSET', wk, 'body', ARGV[6]) end
redis.call('HSET', wk, 'last_error', ARGV[7])
redis.call('ZADD', due_key, tonumber(ARGV[5]), wid)
return 1
