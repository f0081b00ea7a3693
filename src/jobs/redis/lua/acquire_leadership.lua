-- acquire_leadership: takes a leader lease if nobody holds it (SET NX PX), or renews it if
-- `holder` does (LeaderLease).
--
-- KEYS     none: unlike the other scripts, ARGV[1] is the lease's whole key, not a prefix.
-- ARGV     [1] key             string   the lease key (P leader:<name>)
--          [2] holder          string   the candidate's holder id
--          [3] ttl_ms          integer  the lease's time to live (Redis's clock)
-- RETURNS  1 when `holder` holds the lease now, else 0
-- ATOMIC   at most one holder at a time.
-- Runs alone (no prelude).

local key, holder, ttl = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', key) == holder then
  redis.call('PEXPIRE', key, ttl)
  return 1
end
if redis.call('SET', key, holder, 'NX', 'PX', ttl) then return 1 end
return 0
