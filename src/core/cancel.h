// Cooperative cancellation for long operations (provider calls, retries): the owner cancels, the
// operation polls cancelled() at its safe points and gives up with kUnavailable ("cancelled").
#pragma once

#include <atomic>

namespace polyvox {

class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace polyvox
