// Time as the stores and schedulers see it, so that tests can move it instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace polyvox {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix epoch milliseconds. Thread-safe.
  virtual int64_t now_ms() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void advance_ms(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace polyvox
