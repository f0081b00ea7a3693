// Hands the memory that requests freed back to the system while the server runs (issue 14).
// Every request thread of the HTTP server (32 blocking threads, up to 16 malloc arenas on two
// cores) keeps the high-water mark of what it once held: GET /status of a 1,000-block job holds
// the job and its blocks for a moment, and polled by a client every 50 ms it left an API node
// 82 MB above its idle size after the job. malloc_trim gives those free pages back; it walks
// every arena, so it runs at most once a period, and only after a request has ended since.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace polyvox {

class MemoryReleaser {
 public:
  // `release` hands free memory back (app/process_memory.h release_free_memory); it runs on the
  // releaser's own thread once started, or on the caller's of tick().
  MemoryReleaser(std::function<void()> release, std::chrono::milliseconds period);
  // Stops the thread (stop()).
  ~MemoryReleaser();
  MemoryReleaser(const MemoryReleaser&) = delete;
  MemoryReleaser& operator=(const MemoryReleaser&) = delete;

  // Some work freed memory (a request ended). Cheap: one atomic store. Thread-safe.
  void note_work();

  // Runs `release` when work was noted since the previous tick, and once more on the tick after
  // (the trailing release: what the last work left in caches that expire within a period, such
  // as a job read by the last poll, is released then); returns whether it ran `release`.
  // Thread-safe (the background thread calls it once a period).
  bool tick();

  // Starts a thread that ticks once a period until stop(). At most once.
  void start();
  // Ends the thread and waits for it; idempotent. Work noted and not yet released stays noted.
  void stop();

 private:
  void run();

  std::function<void()> release_;
  const std::chrono::milliseconds period_;
  std::atomic<bool> worked_{false};
  std::mutex tick_mutex_;
  bool trailing_ = false;  // the next tick releases even without new work; guarded by tick_mutex_
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace polyvox
