// A bound on the CPU-heavy work running at once in one process (a block's audio pipeline: decode,
// loudness, resample, encode).
//
// Why: worker threads mostly wait on providers, so a worker runs many more of them than it has
// cores. When a burst of answers arrives together and every thread crunches its audio at once,
// the scheduler shares the cores fairly and the whole burst finishes together, late; the next
// requests then leave together too and the bursts never break up. Taking turns on as many slots
// as there are cores finishes the first block of a burst at once and the others one after the
// other: less added latency on average, and the next requests go out spread in time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <semaphore>
#include <thread>
#include <utility>

namespace polyvox {

class CpuSlots {
 public:
  // `slots` pieces of work at once; 0 = one per core.
  explicit CpuSlots(unsigned slots = 0)
      : size_(slots ? slots : std::max(1u, std::thread::hardware_concurrency())),
        free_(static_cast<std::ptrdiff_t>(size_)) {}

  CpuSlots(const CpuSlots&) = delete;
  CpuSlots& operator=(const CpuSlots&) = delete;

  // One slot, given back when destroyed. An empty lease (default-constructed or moved from)
  // holds nothing. REQUIRES: every lease ends before its CpuSlots is destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        reset();
        owner_ = std::exchange(other.owner_, nullptr);
      }
      return *this;
    }
    ~Lease() { reset(); }
    explicit operator bool() const { return owner_ != nullptr; }
    void reset() {
      if (owner_) std::exchange(owner_, nullptr)->free_.release();
    }

   private:
    friend class CpuSlots;
    explicit Lease(CpuSlots* owner) : owner_(owner) {}
    CpuSlots* owner_ = nullptr;
  };

  // Waits for a free slot. Thread-safe.
  [[nodiscard]] Lease acquire() {
    free_.acquire();
    return Lease(this);
  }

  // A slot if one is free now, else an empty lease. Thread-safe.
  [[nodiscard]] Lease try_acquire() { return free_.try_acquire() ? Lease(this) : Lease(); }

  unsigned size() const { return size_; }

 private:
  unsigned size_;
  std::counting_semaphore<> free_;
};

// A slot of `slots`, or an empty lease when there is no bound (null).
inline CpuSlots::Lease acquire_slot(CpuSlots* slots) {
  return slots ? slots->acquire() : CpuSlots::Lease();
}

}  // namespace polyvox
