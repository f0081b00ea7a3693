// Throttling of failed logins, so that passwords cannot be guessed at speed: per (user name,
// client address) after a few failures, per address after many (one client trying many names),
// per user name after many (many clients trying one name). Clients sharing an address (NAT,
// tests) are not locked out by one another's typos. In memory here; distributed mode keeps the
// counters in Redis.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace polyvox {

class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  // Seconds before `user` from `address` may try again; 0 when a try is allowed now.
  virtual int64_t retry_after_s(const std::string& user, const std::string& address) = 0;
  virtual void record_failure(const std::string& user, const std::string& address) = 0;
  virtual void record_success(const std::string& user, const std::string& address) = 0;
};

struct ThrottlePolicy {
  int free_failures = 5;             // failures of one user from one address before locking
  int free_address_failures = 50;    // failures from one address, any user
  int free_user_failures = 20;       // failures for one user, any address
  int64_t window_s = 900;            // failures older than this are forgotten
  int64_t first_lock_s = 1;          // lock after the first failure past the free ones...
  int64_t max_lock_s = 300;          // ...doubling with each further failure, up to this
  std::size_t max_entries = 100000;  // memory bound: the oldest entries are dropped past it
};

// Thread-safe.
class InMemoryLoginThrottle : public LoginThrottle {
 public:
  InMemoryLoginThrottle(const Clock& clock, ThrottlePolicy policy = {})
      : clock_(clock), policy_(policy) {}

  int64_t retry_after_s(const std::string& user, const std::string& address) override;
  void record_failure(const std::string& user, const std::string& address) override;
  void record_success(const std::string& user, const std::string& address) override;

 private:
  struct Entry {
    int failures = 0;
    int64_t first_failure_ms = 0;
    int64_t locked_until_ms = 0;
  };
  int64_t wait_for(const std::string& key, int64_t now_ms);
  void fail(const std::string& key, int free_failures, int64_t now_ms);
  void prune(int64_t now_ms);

  const Clock& clock_;
  ThrottlePolicy policy_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // "p:<user>\n<address>", "a:<address>",
                                                    // "u:<user>"
};

}  // namespace polyvox
