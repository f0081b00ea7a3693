// Workers of the service: threads that claim tasks from the TaskQueue and run them — a block
// task renders one block into a segment stored in the BlobStore; the assembly task joins a job's
// segments into its final file. Leases are kept alive by heartbeats while work runs; failures
// are retried with exponential backoff and jitter or end the block. The same pool runs inside
// `polyvox serve` (embedded mode) and `polyvox worker` (distributed mode).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "jobs/job_store.h"
#include "jobs/task_queue.h"
#include "providers/audio_cache.h"
#include "providers/provider_registry.h"
#include "providers/retry_policy.h"
#include "storage/blob_store.h"
#include "text/diacritizer.h"
#include "worker/block_renderer.h"

namespace polyvox {

struct WorkerOptions {
  unsigned concurrency = 4;    // WORKER_CONCURRENCY: tasks run at once
  unsigned audio_threads = 0;  // WORKER_AUDIO_THREADS: blocks whose audio is decoded and
                               // encoded at once (core/cpu_slots.h); 0 = one per core
  int64_t lease_ms = 60'000;   // a task not heartbeated for this long is reclaimed
  int64_t heartbeat_ms = 10'000;
  RetryPolicy retry;                  // TASK_MAX_RETRIES, TASK_RETRY_DELAY_SECONDS
  int64_t idle_wait_ms = 1'000;       // how long one claim waits for work
  std::string worker_id;              // unique per process (host:pid:random)
  std::filesystem::path scratch_dir;  // temporary files (assembly output before upload)
  RenderOptions render;
};

class WorkerPool {
 public:
  // `cache` may be null (no audio cache).
  WorkerPool(TaskQueue& queue, JobStore& jobs, BlobStore& blobs, ProviderRegistry& providers,
             Diacritizer& diacritizer, AudioCache* cache, const Clock& clock,
             MetricsRegistry& metrics, WorkerOptions options);
  ~WorkerPool();

  // Starts the worker and heartbeat threads.
  void start();

  // Stops claiming, lets the tasks in progress finish (or, past `grace_ms`, releases them for
  // another worker) and joins every thread. Idempotent.
  void stop(int64_t grace_ms = 30'000);

  // Tasks running now (for tests and metrics).
  std::size_t busy() const { return busy_.load(); }

 private:
  void work_loop(unsigned slot);
  void heartbeat_loop();
  void run_block(const Task& task);
  void run_assembly(const Task& task);
  // Retry later when the error is retryable and attempts remain; otherwise fail for good.
  void report_failure(const Task& task, const Error& error, int attempts_so_far);
  bool lost(const Task& task);

  TaskQueue& queue_;
  JobStore& jobs_;
  BlobStore& blobs_;
  ProviderRegistry& providers_;
  Diacritizer& diacritizer_;
  AudioCache* cache_;
  const Clock& clock_;
  WorkerOptions options_;
  CpuSlots audio_slots_;  // after options_: built from it

  Counter& blocks_done_;
  Counter& blocks_failed_;
  Counter& retries_;
  Counter& assemblies_;
  Family<Counter>& characters_sent_;
  Family<Histogram>& provider_latency_;

  std::vector<std::thread> threads_;
  std::thread heartbeat_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> busy_{0};
  std::mutex mutex_;  // guards in_flight_ and lost_
  std::condition_variable wake_;
  std::map<std::string, Task> in_flight_;  // by task key
  std::map<std::string, bool> lost_;       // task key -> lease lost
  std::once_flag stop_once_;
};

}  // namespace polyvox
