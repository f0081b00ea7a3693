#include "auth/login_throttle.h"

#include <algorithm>

namespace polyvox {

int64_t InMemoryLoginThrottle::wait_for(const std::string& key, int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until_ms <= now_ms) return 0;
  return (it->second.locked_until_ms - now_ms + 999) / 1000;
}

int64_t InMemoryLoginThrottle::retry_after_s(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  return std::max({wait_for("p:" + user + "\n" + address, now), wait_for("a:" + address, now),
                   wait_for("u:" + user, now)});
}

void InMemoryLoginThrottle::fail(const std::string& key, int free_failures, int64_t now_ms) {
  Entry& e = entries_[key];
  if (e.failures == 0 || now_ms - e.first_failure_ms > policy_.window_s * 1000) {
    e = Entry{0, now_ms, 0};
  }
  ++e.failures;
  const int over = e.failures - free_failures;
  if (over > 0) {
    const int64_t lock_s =
        std::min(policy_.max_lock_s, policy_.first_lock_s << std::min(over - 1, 20));
    e.locked_until_ms = now_ms + lock_s * 1000;
  }
}

void InMemoryLoginThrottle::record_failure(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  if (entries_.size() >= policy_.max_entries) prune(now);
  fail("p:" + user + "\n" + address, policy_.free_failures, now);
  fail("a:" + address, policy_.free_address_failures, now);
  fail("u:" + user, policy_.free_user_failures, now);
}

void InMemoryLoginThrottle::record_success(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  // A success clears the pair only: it proves nothing about other names from this address.
  entries_.erase("p:" + user + "\n" + address);
}

void InMemoryLoginThrottle::prune(int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool stale = now_ms - it->second.first_failure_ms > policy_.window_s * 1000 &&
                       it->second.locked_until_ms <= now_ms;
    it = stale ? entries_.erase(it) : std::next(it);
  }
  // Still full (an attack from many addresses): forget everything rather than grow unbounded.
  if (entries_.size() >= policy_.max_entries) entries_.clear();
}

}  // namespace polyvox
