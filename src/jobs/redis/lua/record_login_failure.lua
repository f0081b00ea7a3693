-- record_login_failure: counts a failed login in each of its throttle counters
-- (RedisLoginThrottle), by the rules of InMemoryLoginThrottle (auth/login_throttle.h): failures
-- counted in a window from the first; past the free ones, a lock doubling from first_lock_ms up
-- to max_lock_ms. Each counter expires by itself once neither its window nor its lock can
-- matter.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] now             integer  ms on the throttle's Clock
--          [3] window_ms       integer
--          [4] first_lock_ms   integer
--          [5] max_lock_ms     integer
--          then 2 per counter, from ARGV[6 + 2 i]: its key suffix (string: 'p:<user>\n<address>',
--          'a:<address>' or 'u:<user>') and its free failures (integer)
-- RETURNS  1
-- ATOMIC   the counters of one failure change together; concurrent failures are all counted.
-- Runs alone (no prelude).

local P, now = ARGV[1], tonumber(ARGV[2])
local window, first_lock, max_lock = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
for a = 6, #ARGV, 2 do
  local key = P .. 'throttle:' .. ARGV[a]
  local free = tonumber(ARGV[a + 1])
  local h = redis.call('HMGET', key, 'failures', 'first_failure_ms')
  local failures, first = tonumber(h[1]) or 0, tonumber(h[2]) or 0
  if failures == 0 or now - first > window then
    failures, first = 0, now
    redis.call('HSET', key, 'locked_until_ms', 0)
  end
  failures = failures + 1
  redis.call('HSET', key, 'failures', failures, 'first_failure_ms', first)
  local over = failures - free
  if over > 0 then
    local lock = math.min(max_lock, first_lock * 2 ^ math.min(over - 1, 20))
    redis.call('HSET', key, 'locked_until_ms', now + lock)
  end
  redis.call('PEXPIRE', key, window + max_lock)
end
return 1
