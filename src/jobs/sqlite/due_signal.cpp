#include "jobs/sqlite/due_signal.h"

namespace polyvox::sqlite {

void DueSignal::lower(int64_t due_ms) {
  {
    std::lock_guard lock(mu_);
    if (due_ms >= next_due_ms_) return;
    next_due_ms_ = due_ms;
  }
  cv_.notify_all();
}

void DueSignal::reset(int64_t due_ms) {
  std::lock_guard lock(mu_);
  next_due_ms_ = due_ms;
}

bool DueSignal::due_now() const {
  std::lock_guard lock(mu_);
  return next_due_ms_ <= clock_.now_ms();
}

void DueSignal::interrupt() {
  {
    std::lock_guard lock(mu_);
    ++interrupts_;
  }
  cv_.notify_all();
}

uint64_t DueSignal::interrupts() const {
  std::lock_guard lock(mu_);
  return interrupts_;
}

bool DueSignal::wait(std::chrono::steady_clock::time_point deadline, uint64_t interrupts_seen) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (interrupts_ != interrupts_seen) return false;
    const int64_t now_ms = clock_.now_ms();
    if (next_due_ms_ <= now_ms) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Sleep until the deadline or the known due time, whichever comes first.
    // Compared in milliseconds: a due time far away (kNever) must not overflow nanoseconds.
    auto until = deadline;
    const int64_t to_due_ms = next_due_ms_ - now_ms;
    if (to_due_ms < std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count()) {
      until = now + std::chrono::milliseconds(to_due_ms);
    }
    ++waiters_;
    cv_.wait_until(lock, until);
    --waiters_;
  }
}

std::size_t DueSignal::waiters() const {
  std::lock_guard lock(mu_);
  return waiters_;
}

}  // namespace polyvox::sqlite
