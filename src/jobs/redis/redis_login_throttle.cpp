#include "jobs/redis/redis_login_throttle.h"

#include <algorithm>

#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {
namespace {

// The three counters of a try, as in InMemoryLoginThrottle: the pair, the address, the user.
std::string pair_suffix(const std::string& user, const std::string& address) {
  return "p:" + user + "\n" + address;
}
std::string address_suffix(const std::string& address) { return "a:" + address; }
std::string user_suffix(const std::string& user) { return "u:" + user; }

}  // namespace

int64_t RedisLoginThrottle::retry_after_s(const std::string& user, const std::string& address) {
  // The user's own counter never makes anyone wait: only the addresses that failed do.
  std::vector<Command> reads;
  for (const std::string& suffix : {pair_suffix(user, address), address_suffix(address)}) {
    reads.push_back({"HGET", keys_.throttle(suffix), "locked_until_ms"});
  }
  auto replies = pool_->pipeline(reads);
  if (!replies) return 0;
  const int64_t now = clock_.now_ms();
  int64_t wait_ms = 0;
  for (const Value& locked_until : *replies) {
    wait_ms = std::max(wait_ms, locked_until.as_int().value_or(0) - now);
  }
  return (wait_ms + 999) / 1000;
}

void RedisLoginThrottle::record_failure(const std::string& user, const std::string& address) {
  (void)pool_->eval(
      scripts::record_login_failure(),
      {keys_.prefix, std::to_string(clock_.now_ms()), std::to_string(policy_.window_s * 1000),
       std::to_string(policy_.first_lock_s * 1000), std::to_string(policy_.max_lock_s * 1000),
       pair_suffix(user, address), std::to_string(policy_.free_failures), address_suffix(address),
       std::to_string(policy_.free_address_failures), user_suffix(user),
       std::to_string(policy_.user_ceiling), std::to_string(policy_.max_user_delay_s * 1000)});
}

void RedisLoginThrottle::record_success(const std::string& user, const std::string& address) {
  // A success clears the pair only: it proves nothing about other names from this address.
  (void)pool_->run({"DEL", keys_.throttle(pair_suffix(user, address))});
}

}  // namespace polyvox::redis
