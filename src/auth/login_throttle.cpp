#include "auth/login_throttle.h"

#include <algorithm>

namespace polyvox {
namespace {

std::string pair_key(const std::string& user, const std::string& address) {
  return "p:" + user + "\n" + address;
}

}  // namespace

int64_t throttle_delay_ms(int failures, int free, int64_t first_ms, int64_t max_ms) {
  const int over = failures - free;
  if (over <= 0) return 0;
  return std::min(max_ms, first_ms << std::min(over - 1, 20));
}

int64_t InMemoryLoginThrottle::wait_for(const std::string& key, int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until_ms <= now_ms) return 0;
  return (it->second.locked_until_ms - now_ms + 999) / 1000;
}

int64_t InMemoryLoginThrottle::retry_after_s(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  // The user's own counter never makes anyone wait: only the addresses that failed do.
  return std::max(wait_for(pair_key(user, address), now), wait_for("a:" + address, now));
}

bool InMemoryLoginThrottle::stale(const Entry& entry, int64_t now_ms) const {
  return now_ms - entry.first_failure_ms > policy_.window_s * 1000 &&
         entry.locked_until_ms <= now_ms;
}

InMemoryLoginThrottle::Entry& InMemoryLoginThrottle::count_failure(const std::string& key,
                                                                   int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // Forget what no longer matters, then, if still full, the least recently failed counter:
    // the table stays bounded without ever being emptied.
    const std::size_t max_entries = std::max<std::size_t>(policy_.max_entries, 3);
    while (!order_.empty() &&
           (entries_.size() >= max_entries || stale(entries_.at(order_.front()), now_ms))) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    it = entries_.emplace(key, Entry{}).first;
    it->second.order = order_.insert(order_.end(), key);
  } else {
    order_.splice(order_.end(), order_, it->second.order);
  }
  Entry& e = it->second;
  if (e.failures == 0 || now_ms - e.first_failure_ms > policy_.window_s * 1000) {
    e.failures = 0;
    e.first_failure_ms = now_ms;
    e.locked_until_ms = 0;
  }
  ++e.failures;
  return e;
}

void InMemoryLoginThrottle::record_failure(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  const int64_t first_ms = policy_.first_lock_s * 1000, max_ms = policy_.max_lock_s * 1000;
  const int user_failures = count_failure("u:" + user, now).failures;
  Entry& by_address = count_failure("a:" + address, now);
  if (int64_t d =
          throttle_delay_ms(by_address.failures, policy_.free_address_failures, first_ms, max_ms)) {
    by_address.locked_until_ms = now + d;
  }
  Entry& pair = count_failure(pair_key(user, address), now);
  const int64_t delay =
      std::max(throttle_delay_ms(pair.failures, policy_.free_failures, first_ms, max_ms),
               throttle_delay_ms(user_failures, policy_.user_ceiling, first_ms,
                                 policy_.max_user_delay_s * 1000));
  if (delay > 0) pair.locked_until_ms = now + delay;
}

void InMemoryLoginThrottle::record_success(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  // A success clears the pair only: it proves nothing about other names from this address.
  auto it = entries_.find(pair_key(user, address));
  if (it == entries_.end()) return;
  order_.erase(it->second.order);
  entries_.erase(it);
}

std::size_t InMemoryLoginThrottle::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace polyvox
