// The distributed mode's LoginThrottle: the failure counters of auth/login_throttle.h in Redis
// (keys P throttle:..., redis_job_store.h), shared by every API node, with the same policy as
// InMemoryLoginThrottle. Each counter expires by itself, so no memory bound is needed.
#pragma once

#include <memory>
#include <string>

#include "auth/login_throttle.h"
#include "core/clock.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"

namespace polyvox::redis {

// Thread-safe. When Redis cannot be reached it lets tries through (retry_after_s is 0) and
// forgets failures: the login itself needs the user store, on the same Redis, and fails with
// kUnavailable anyway.
class RedisLoginThrottle final : public LoginThrottle {
 public:
  // `clock` must outlive the throttle.
  RedisLoginThrottle(std::shared_ptr<Pool> pool, std::string key_prefix, const Clock& clock,
                     ThrottlePolicy policy = {})
      : pool_(std::move(pool)), keys_{std::move(key_prefix)}, clock_(clock), policy_(policy) {}

  int64_t retry_after_s(const std::string& user, const std::string& address) override;
  void record_failure(const std::string& user, const std::string& address) override;
  void record_success(const std::string& user, const std::string& address) override;

 private:
  std::shared_ptr<Pool> pool_;
  const Keys keys_;
  const Clock& clock_;
  const ThrottlePolicy policy_;
};

}  // namespace polyvox::redis
