-- record_login_failure: counts a failed login in its three throttle counters
-- (RedisLoginThrottle) by the rules of InMemoryLoginThrottle (auth/login_throttle.h): failures
-- counted in a window from the first; the address and the (address, user) pair delayed past
-- their free failures, from first_lock_ms doubling up to max_lock_ms; past the user's ceiling,
-- the pair delayed at least from first_lock_ms doubling with the user's failures up to
-- max_user_delay_ms. The user's counter is never locked itself. Each counter expires by itself
-- once neither its window nor its lock can matter.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix             string
--          [2] now                integer  ms on the throttle's Clock
--          [3] window_ms          integer
--          [4] first_lock_ms      integer
--          [5] max_lock_ms        integer
--          [6] pair               string   key suffix 'p:<user>\n<address>'
--          [7] free_failures      integer  of the pair
--          [8] address            string   key suffix 'a:<address>'
--          [9] free_address       integer  failures of the address
--          [10] user              string   key suffix 'u:<user>'
--          [11] user_ceiling      integer
--          [12] max_user_delay_ms integer
-- RETURNS  1
-- ATOMIC   the counters of one failure change together; concurrent failures are all counted.
-- Runs alone (no prelude).

local P, now = ARGV[1], tonumber(ARGV[2])
local window, first_lock, max_lock = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

-- The delay after `failures` of which `free` were free (login_throttle.h throttle_delay_ms).
local function delay(failures, free, first, max)
  local over = failures - free
  if over <= 0 then return 0 end
  return math.min(max, first * 2 ^ math.min(over - 1, 20))
end

-- Counts one failure in counter `suffix` (a new window when its was over) and returns its key
-- and its failures.
local function count(suffix)
  local key = P .. 'throttle:' .. suffix
  local h = redis.call('HMGET', key, 'failures', 'first_failure_ms')
  local failures, first = tonumber(h[1]) or 0, tonumber(h[2]) or 0
  if failures == 0 or now - first > window then
    failures, first = 0, now
    redis.call('HSET', key, 'locked_until_ms', 0)
  end
  failures = failures + 1
  redis.call('HSET', key, 'failures', failures, 'first_failure_ms', first)
  redis.call('PEXPIRE', key, window + max_lock)
  return key, failures
end

local _, user_failures = count(ARGV[10])
local address_key, address_failures = count(ARGV[8])
local address_delay = delay(address_failures, tonumber(ARGV[9]), first_lock, max_lock)
if address_delay > 0 then redis.call('HSET', address_key, 'locked_until_ms', now + address_delay) end
local pair_key, pair_failures = count(ARGV[6])
local pair_delay = math.max(delay(pair_failures, tonumber(ARGV[7]), first_lock, max_lock),
                            delay(user_failures, tonumber(ARGV[11]), first_lock,
                                  tonumber(ARGV[12])))
if pair_delay > 0 then redis.call('HSET', pair_key, 'locked_until_ms', now + pair_delay) end
return 1
