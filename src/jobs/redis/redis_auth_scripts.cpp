// Lua of the Redis UserStore, LoginThrottle and LeaderLease (keys: redis_job_store.h). These do
// not use the job prelude; ARGV[1] is the key prefix here too.
#include "jobs/redis/redis_lua_prelude.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis::scripts {

// ARGV: prefix, name, password_hash, admin (1/0), created_at_ms. Returns 1, or 0 when the name
// is taken.
const Script& add_user() {
  static const OwnedScript s("add_user", kNoPrelude, R"lua(
local P, name = ARGV[1], ARGV[2]
local key = P .. 'user:' .. name
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'name', name, 'password_hash', ARGV[3], 'admin', ARGV[4],
           'created_at_ms', ARGV[5])
redis.call('ZADD', P .. 'users', 0, name)
return 1
)lua");
  return s.script;
}

// ARGV: prefix, name, password_hash. Returns 1, or 0 for an unknown user.
const Script& set_password_hash() {
  static const OwnedScript s("set_password_hash", kNoPrelude, R"lua(
local key = ARGV[1] .. 'user:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'password_hash', ARGV[3])
return 1
)lua");
  return s.script;
}

// ARGV: prefix, name. Returns 1, or 0 for an unknown user.
const Script& remove_user() {
  static const OwnedScript s("remove_user", kNoPrelude, R"lua(
redis.call('ZREM', ARGV[1] .. 'users', ARGV[2])
return redis.call('DEL', ARGV[1] .. 'user:' .. ARGV[2])
)lua");
  return s.script;
}

// ARGV: prefix. Returns every user's fields, by name.
const Script& list_users() {
  static const OwnedScript s("list_users", kNoPrelude, R"lua(
local out = {}
for _, name in ipairs(redis.call('ZRANGE', ARGV[1] .. 'users', 0, -1)) do
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. 'user:' .. name)
end
return out
)lua");
  return s.script;
}

// ARGV: prefix, now, window_ms, first_lock_ms, max_lock_ms, then per counter: its key suffix
// ('p:<user>\n<address>', 'a:<address>', 'u:<user>') and its free failures. The same rules as
// InMemoryLoginThrottle (auth/login_throttle.h): failures counted in a window from the first;
// past the free ones, a lock doubling from first_lock_ms up to max_lock_ms. Each counter expires
// by itself once neither its window nor its lock can matter.
const Script& record_login_failure() {
  static const OwnedScript s("record_login_failure", kNoPrelude, R"lua(
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
)lua");
  return s.script;
}

// ARGV: lease key, holder id, ttl_ms. Takes the lease if nobody holds it (SET NX PX) or renews
// it if `holder` does. Returns 1 when `holder` holds it now, else 0.
const Script& acquire_leadership() {
  static const OwnedScript s("acquire_leadership", kNoPrelude, R"lua(
local key, holder, ttl = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', key) == holder then
  redis.call('PEXPIRE', key, ttl)
  return 1
end
if redis.call('SET', key, holder, 'NX', 'PX', ttl) then return 1 end
return 0
)lua");
  return s.script;
}

// ARGV: lease key, holder id. Gives the lease up if `holder` holds it. Returns 1 if it did.
const Script& release_leadership() {
  static const OwnedScript s("release_leadership", kNoPrelude, R"lua(
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
)lua");
  return s.script;
}

}  // namespace polyvox::redis::scripts
