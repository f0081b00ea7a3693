// How many calls to one vendor may be in flight at once, learned from its answers: a ceiling
// (the provider's configured max_concurrency) and a live limit under it that halves when the
// vendor asks to slow down (a 429 or a Retry-After) and grows back by one after each run of
// successes as long as the live limit. A rate-limit answer also caps the growth, for hold_ms, just
// under the concurrency it was given at, so a vendor that allows N calls settles at N instead of
// being probed again after every run. A permissive vendor is used up to the ceiling.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "core/cancel.h"
#include "core/clock.h"

namespace polyvox {

struct AdaptiveLimitOptions {
  unsigned ceiling = 32;     // never more calls at once; at least 1
  int64_t hold_ms = 60'000;  // how long a rate-limit answer caps the growth
};

class AdaptiveLimit {
 public:
  enum class Outcome {
    kSuccess,      // the vendor answered the call
    kRateLimited,  // the vendor asked to slow down
    kOther,        // any other end (a failure, a refused request, a cancellation)
  };

  // A slot held by one call; hand it back with release().
  struct Permit {
    uint64_t generation = 0;  // the decrease count when the call started
  };

  AdaptiveLimit(const Clock& clock, AdaptiveLimitOptions options);

  // Waits until fewer calls than the live limit are in flight and takes a slot. nullopt when
  // `cancel` (may be null) is cancelled while waiting. Thread-safe.
  std::optional<Permit> acquire(const CancelToken* cancel);

  // Gives `permit`'s slot back with what the call's answer said. A rate-limit answer halves the
  // live limit once per decrease: answers to calls started before the last decrease were sent
  // at the old concurrency and do not halve it again. Thread-safe.
  void release(const Permit& permit, Outcome outcome);

  struct Snapshot {
    unsigned ceiling = 0;
    unsigned limit = 0;      // the live limit
    unsigned in_flight = 0;  // calls holding a slot now
    uint64_t decreases = 0;  // times the live limit was halved
  };
  Snapshot snapshot() const;

 private:
  const Clock& clock_;
  const AdaptiveLimitOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  unsigned limit_;
  unsigned in_flight_ = 0;
  unsigned successes_ = 0;  // in a row since the limit last changed
  uint64_t generation_ = 0;
  unsigned held_cap_ = 0;  // growth cap while clock < held_until_ms_
  int64_t held_until_ms_ = 0;
};

}  // namespace polyvox
