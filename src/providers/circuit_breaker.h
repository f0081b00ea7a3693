// A circuit breaker per provider: after `failure_threshold` consecutive transient failures the
// circuit opens and calls fail fast for `open_ms`; then one probe is let through (half-open): its
// success closes the circuit, its failure opens it again. Refusals of a request (4xx) are the
// request's fault, not the provider's, and do not count.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/clock.h"

namespace polyvox {

struct BreakerOptions {
  int failure_threshold = 5;
  int64_t open_ms = 30'000;
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(const Clock& clock, BreakerOptions options) : clock_(clock), options_(options) {}

  // 0 when a call may proceed now (in half-open, only the one probe may); otherwise the
  // milliseconds until the circuit will let a probe through. Thread-safe.
  int64_t admit();

  // Outcome of an admitted call. Thread-safe.
  void record_success();
  void record_failure();
  // An admitted call that ended without saying anything about the provider (a refused request,
  // a cancellation): frees the half-open probe slot.
  void record_neutral();

  State state() const;

 private:
  const Clock& clock_;
  BreakerOptions options_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  int64_t opened_at_ms_ = 0;
  bool probe_in_flight_ = false;
};

}  // namespace polyvox
