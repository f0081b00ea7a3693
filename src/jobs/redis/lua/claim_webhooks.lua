-- claim_webhooks: leases the webhook deliveries due now, oldest due first, each with a new lease
-- number (its fencing token); a leased delivery is due again when its lease expires.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the store's Clock
--          [3] lease_ms        integer  the leases end at now + lease_ms
--          [4] limit           integer  most deliveries claimed
-- RETURNS  the claimed deliveries' fields (HGETALL arrays, lease already bumped); empty when
--          none is due
-- ATOMIC   of several senders claiming at once, each due delivery goes to one of them.
-- Runs alone (no prelude).

local P, now, lease_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local due_key = P .. 'webhooks:due'
local ids = redis.call('ZRANGEBYSCORE', due_key, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, wid in ipairs(ids) do
  local wk = P .. 'webhook:' .. wid
  if redis.call('EXISTS', wk) == 0 then
    redis.call('ZREM', due_key, wid)  -- a stale index entry
  else
    redis.call('HINCRBY', wk, 'lease', 1)
    redis.call('ZADD', due_key, now + lease_ms, wid)
    out[#out + 1] = redis.call('HGETALL', wk)
  end
end
return out
