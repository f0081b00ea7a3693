// The one retry policy of Polyvox: which failures are worth another attempt, and when.
// Exponential backoff with full jitter (a uniform delay in [0, base * 2^(n-1)], capped),
// never sooner than a vendor's Retry-After. Used by the worker pool (delayed retries through the
// task queue, the worker is free meanwhile) and by `polyvox synth` (in-process).
#pragma once

#include <cstdint>
#include <random>

#include "core/error.h"

namespace polyvox {

struct RetryPolicy {
  int max_retries = 3;     // TASK_MAX_RETRIES: attempts after the first
  int64_t base_ms = 2000;  // TASK_RETRY_DELAY_SECONDS
  int64_t max_delay_ms = 300'000;

  // Rate limits, transient failures (5xx, timeouts, connection errors) and answers that failed
  // their checks are retryable; refusals (bad request, bad key, quota, unknown voice) are not.
  static bool retryable(const Error& error) {
    return error.kind == ErrorKind::kRateLimited || error.kind == ErrorKind::kUnavailable ||
           error.kind == ErrorKind::kIo;
  }

  // True when a failure of attempt number `attempt` (1 = the first) may be retried.
  bool may_retry(const Error& error, int attempt) const {
    return retryable(error) && attempt <= max_retries;
  }

  // Milliseconds to wait before attempt `attempt` + 1. Thread-safe if `rng` is not shared.
  int64_t delay_ms(int attempt, const Error& error, std::mt19937_64& rng) const {
    const int shift = attempt < 1 ? 0 : (attempt - 1 > 20 ? 20 : attempt - 1);
    const int64_t cap = std::min(max_delay_ms, base_ms << shift);
    int64_t delay = cap > 0 ? std::uniform_int_distribution<int64_t>(0, cap)(rng) : 0;
    const int64_t floor = int64_t{error.retry_after_s} * 1000;
    return std::min(std::max(delay, floor), std::max(max_delay_ms, floor));
  }
};

}  // namespace polyvox
