#include "providers/circuit_breaker.h"

namespace polyvox {

int64_t CircuitBreaker::admit() {
  std::lock_guard lock(mutex_);
  if (state_ == State::kClosed) return 0;
  const int64_t now = clock_.now_ms();
  if (state_ == State::kOpen) {
    const int64_t reopen_at = opened_at_ms_ + options_.open_ms;
    if (now < reopen_at) return reopen_at - now;
    state_ = State::kHalfOpen;
    probe_in_flight_ = false;
  }
  // Half-open: one probe at a time.
  if (probe_in_flight_) return 1000;
  probe_in_flight_ = true;
  return 0;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mutex_);
  ++consecutive_failures_;
  if (state_ == State::kHalfOpen || consecutive_failures_ >= options_.failure_threshold) {
    state_ = State::kOpen;
    opened_at_ms_ = clock_.now_ms();
  }
  probe_in_flight_ = false;
}

void CircuitBreaker::record_neutral() {
  std::lock_guard lock(mutex_);
  probe_in_flight_ = false;
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace polyvox
