// Throttling of failed logins, so that passwords cannot be guessed at speed without locking the
// real user out:
//   - per (client address, user name): a few free failures, then each failure delays that
//     address for that name, the delay doubling up to a cap;
//   - per address, any name: the same past many failures (one client trying many names);
//   - per user name, any address: past a ceiling of failures (many clients trying one name),
//     each further failure delays the address it came from at once, by a small bounded delay
//     that grows with the name's failures. The name itself is never locked: an address that has
//     not failed for it (the real user's) logs in at once.
// Clients sharing an address (NAT, tests) are not locked out by one another's typos. In memory
// here; distributed mode keeps the counters in Redis (jobs/redis/redis_login_throttle.h).
#pragma once

#include <cstdint>
#include <list>
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
  int free_failures = 5;             // failures of one user from one address before delays
  int free_address_failures = 50;    // failures from one address, any user, before delays
  int user_ceiling = 20;             // failures of one user, any address, before every failure
                                     // of that user delays its address
  int64_t window_s = 900;            // failures older than this are forgotten
  int64_t first_lock_s = 1;          // delay after the first failure past the free ones...
  int64_t max_lock_s = 300;          // ...doubling with each further failure, up to this
  int64_t max_user_delay_s = 10;     // past the ceiling: a failure's delay, doubling from
                                     // first_lock_s with the user's failures, up to this
  std::size_t max_entries = 100000;  // memory bound: the least recently failed go past it
};

// The delay after a counter's `failures` failures of which `free` were free: 0 within them,
// then `first_ms` doubling with each further failure, up to `max_ms`.
int64_t throttle_delay_ms(int failures, int free, int64_t first_ms, int64_t max_ms);

// Thread-safe.
class InMemoryLoginThrottle : public LoginThrottle {
 public:
  InMemoryLoginThrottle(const Clock& clock, ThrottlePolicy policy = {})
      : clock_(clock), policy_(policy) {}

  int64_t retry_after_s(const std::string& user, const std::string& address) override;
  void record_failure(const std::string& user, const std::string& address) override;
  void record_success(const std::string& user, const std::string& address) override;

  // Counters held now (at most max(policy.max_entries, 3)).
  std::size_t size();

 private:
  struct Entry {
    int failures = 0;
    int64_t first_failure_ms = 0;
    int64_t locked_until_ms = 0;
    std::list<std::string>::iterator order;  // its place in order_
  };
  int64_t wait_for(const std::string& key, int64_t now_ms);
  // The counter `key` with one more failure at `now_ms` (a new window when its was over), made
  // the most recently failed one; room is made first by forgetting stale or old counters.
  Entry& count_failure(const std::string& key, int64_t now_ms);
  bool stale(const Entry& entry, int64_t now_ms) const;

  const Clock& clock_;
  ThrottlePolicy policy_;
  std::mutex mutex_;
  // "p:<user>\n<address>", "a:<address>", "u:<user>"; order_ lists them least recently failed
  // first.
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;
};

}  // namespace polyvox
