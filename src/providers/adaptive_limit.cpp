#include "providers/adaptive_limit.h"

#include <algorithm>
#include <chrono>

namespace polyvox {

AdaptiveLimit::AdaptiveLimit(const Clock& clock, AdaptiveLimitOptions options)
    : clock_(clock),
      options_{std::max(1u, options.ceiling), options.hold_ms},
      limit_(options_.ceiling) {}

std::optional<AdaptiveLimit::Permit> AdaptiveLimit::acquire(const CancelToken* cancel) {
  std::unique_lock lock(mutex_);
  while (in_flight_ >= limit_) {
    if (cancel && cancel->cancelled()) return std::nullopt;
    // Timed: a cancellation is noticed without anyone notifying.
    slot_freed_.wait_for(lock, std::chrono::milliseconds(100));
  }
  ++in_flight_;
  return Permit{generation_};
}

void AdaptiveLimit::release(const Permit& permit, Outcome outcome) {
  {
    std::lock_guard lock(mutex_);
    const unsigned concurrency = in_flight_;  // this call's included
    --in_flight_;
    if (outcome == Outcome::kRateLimited) {
      successes_ = 0;
      if (permit.generation == generation_) {
        ++generation_;
        limit_ = std::max(1u, limit_ / 2);
        held_cap_ = std::max(1u, concurrency - 1);
        held_until_ms_ = clock_.now_ms() + options_.hold_ms;
      }
    } else if (outcome == Outcome::kSuccess) {
      const unsigned cap = clock_.now_ms() < held_until_ms_
                               ? std::min(options_.ceiling, std::max(held_cap_, limit_))
                               : options_.ceiling;
      if (++successes_ >= limit_ && limit_ < cap) {
        ++limit_;
        successes_ = 0;
      }
    }
  }
  slot_freed_.notify_all();
}

AdaptiveLimit::Snapshot AdaptiveLimit::snapshot() const {
  std::lock_guard lock(mutex_);
  return {options_.ceiling, limit_, in_flight_, generation_};
}

}  // namespace polyvox
