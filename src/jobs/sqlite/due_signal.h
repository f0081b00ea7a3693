// Where claim() waits without polling: the earliest time at which some task may be claimable,
// kept in memory, and a condition variable woken when that time moves earlier or on interrupt.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>

#include "core/clock.h"

namespace polyvox::sqlite {

class DueSignal {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  // `clock` must outlive the signal.
  explicit DueSignal(const Clock& clock) : clock_(clock) {}

  // A task may be claimable from `due_ms` on (a new, released or retried task, or a lease that
  // will expire then). Wakes the waiters when this is earlier than what was known. Thread-safe.
  void lower(int64_t due_ms);

  // The earliest due time is exactly `due_ms` (kNever: no task at all), as a claim that found
  // nothing due has just read it from the database. Thread-safe.
  // REQUIRES: called in the same order as the writes it reflects (from the writer thread), so
  // that it never overwrites a lower() of a task written after it read.
  void reset(int64_t due_ms);

  // True when some task may be claimable now. Thread-safe.
  bool due_now() const;

  // Wakes every wait() in progress; they return false. Thread-safe.
  void interrupt();
  // Counts interrupt() calls; a wait() given an older count returns false at once.
  uint64_t interrupts() const;

  // Blocks until a task may be claimable (true), or until `deadline` has passed or interrupt()
  // was called since `interrupts_seen` was read (false). The due time is on the Clock, the
  // deadline on the steady clock: with a ManualClock a waiter sleeps until its deadline, an
  // interrupt or a lower() to a time that has come. Thread-safe.
  bool wait(std::chrono::steady_clock::time_point deadline, uint64_t interrupts_seen);

  // How many wait() calls are blocked now. Thread-safe.
  std::size_t waiters() const;

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t next_due_ms_ = kNever;  // guarded by mu_
  uint64_t interrupts_ = 0;       // guarded by mu_
  std::size_t waiters_ = 0;       // guarded by mu_
};

}  // namespace polyvox::sqlite
