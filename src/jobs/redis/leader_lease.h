// Leadership of periodic work among the distributed mode's processes: a Redis key taken with
// SET NX PX and renewed by its holder, so that work such as cleanup runs on one node at a time
// and moves to another within a TTL when its node dies. (Claims do the rest of the periodic work
// themselves: promoting due retries and taking over expired leases need no leader.)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"

namespace polyvox::redis {

struct LeaderLeaseOptions {
  std::string name = "cleanup";  // what the lease is for: key P leader:<name>
  std::string holder;            // this process's id, unique among the processes
  std::string key_prefix = "polyvox:";
  int64_t ttl_ms = 15'000;  // a dead holder's lease lasts at most this long
};

class LeaderLease {
 public:
  LeaderLease(std::shared_ptr<Pool> pool, LeaderLeaseOptions options);
  // Stops campaigning and gives the lease up (stop()).
  ~LeaderLease();
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Starts a thread that takes or renews the lease every ttl/3. Call once.
  void start();

  // Stops the thread and gives the lease up if this process holds it, so another takes over at
  // once. Idempotent.
  void stop();

  // True while this process holds the lease: its last successful take or renewal was sent less
  // than 90% of the TTL ago (it may be lost earlier only if Redis loses the key). Thread-safe.
  bool held() const;

  // One attempt to take or renew the lease now (the thread's step). True when this process
  // holds it; kUnavailable when Redis cannot be reached (held() then stays true until the
  // lease would expire anyway). Thread-safe.
  Result<bool> try_acquire();

  // Gives the lease up now if this process holds it. Thread-safe.
  Status release();

 private:
  using Steady = std::chrono::steady_clock;

  std::shared_ptr<Pool> pool_;
  const LeaderLeaseOptions options_;
  const std::string key_;
  std::atomic<int64_t> valid_until_ns_{0};  // steady clock; 0: not held

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace polyvox::redis
