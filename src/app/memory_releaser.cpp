#include "app/memory_releaser.h"

#include <utility>

namespace polyvox {

MemoryReleaser::MemoryReleaser(std::function<void()> release, std::chrono::milliseconds period)
    : release_(std::move(release)), period_(period) {}

MemoryReleaser::~MemoryReleaser() { stop(); }

void MemoryReleaser::note_work() { worked_.store(true, std::memory_order_relaxed); }

bool MemoryReleaser::tick() {
  std::lock_guard lock(tick_mutex_);
  const bool worked = worked_.exchange(false, std::memory_order_relaxed);
  if (!worked && !trailing_) return false;
  trailing_ = worked;
  release_();
  return true;
}

void MemoryReleaser::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void MemoryReleaser::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MemoryReleaser::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    tick();
    lock.lock();
  }
}

}  // namespace polyvox
