// Workers of the service: threads that claim tasks from the TaskQueue and run them — a block
// task renders one block into a segment stored in the BlobStore; the assembly task joins a job's
// segments into its final file. Leases are kept alive by heartbeats while work runs; failures
// are retried with exponential backoff and jitter or end the block. The same pool runs inside
// `polyvox serve` (embedded mode) and `polyvox worker` (distributed mode).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

// What a WorkerPool tells its owner about the work it finished: `polyvox synth` draws its
// progress and waits for the end of its one job with it. Called on worker threads after the store
// accepted the report, never with a pool lock held: implementations are thread-safe and return
// quickly. Default: nothing.
class WorkObserver {
 public:
  virtual ~WorkObserver() = default;
  // Block `index` of `job_id` is done: its completion was accepted.
  virtual void block_done(const std::string& job_id, std::size_t index) {}
  // The job's final file is stored and the job is completed.
  virtual void job_completed(const std::string& job_id) {}
  // A task of `job_id` failed for good and took the job with it: block `index`'s, or the
  // assembly's when `index` is nullopt. `error` keeps the failure's kind.
  virtual void job_failed(const std::string& job_id, std::optional<std::size_t> index,
                          const Error& error) {}
};

struct WorkerOptions {
  // WORKER_CONCURRENCY: tasks in progress at once. Most of a task's time is spent waiting on a
  // vendor, which holds only that provider's concurrency slot (resilient_provider.h); its CPU
  // work holds one of audio_threads.
  unsigned concurrency = 64;
  unsigned audio_threads = 0;  // WORKER_AUDIO_THREADS: blocks whose audio is decoded and
                               // encoded at once (core/cpu_slots.h); 0 = one per core
  int64_t lease_ms = 60'000;   // a task not heartbeated for this long is reclaimed
  int64_t heartbeat_ms = 10'000;
  RetryPolicy retry;             // TASK_MAX_RETRIES, TASK_RETRY_DELAY_SECONDS
  int64_t idle_wait_ms = 1'000;  // how long one claim waits for work
  // A report the store could not confirm is sent again after this, 5x and 15x this
  // (report_durably; tests shorten it).
  int64_t report_retry_ms = 200;
  std::string worker_id;              // unique per process (host:pid:random)
  std::filesystem::path scratch_dir;  // temporary files (assembly output before upload)
  RenderOptions render;
  WorkObserver* observer = nullptr;  // optional; must outlive the pool
  // Optional: called on a worker thread each time the last task in progress ends (no task
  // runs now), e.g. to hand memory the work freed back to the system (app/process_memory.h).
  std::function<void()> on_idle;
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
  // Retry later when the error is retryable and the retry budget allows another attempt after
  // `failures_before` transient failures (Task::failures for a block; 0 for an assembly, which
  // retries until the queue's poison limit); otherwise fail for good. `usage`: what the failed
  // attempt cost (TaskQueue::fail_task); a retry scheduled adds one to `retried_provider`'s
  // retries in it (none when empty).
  void report_failure(const Task& task, const Error& error, int failures_before,
                      std::vector<ProviderUsage> usage = {},
                      const std::string& retried_provider = {});
  // Fails the task, its block and its job without retry; tells the observer when accepted.
  // Returns whether the store accepted it.
  bool fail_for_good(const Task& task, const Error& error,
                     const std::vector<ProviderUsage>& usage = {});
  bool lost(const Task& task);
  // Runs `report` (a TaskQueue report of `task`'s outcome), and again after 1, 5 and 15 times
  // options_.report_retry_ms (0.2, 1 and 3 s) while
  // it fails with kUnavailable (the store closed the connection, timed out or had no free
  // connection: the report may or may not have been stored) and the task is still this
  // worker's. The stores' reports recognise their own earlier run (kDuplicate), and what a
  // report carries (a rendered block, an assembled file) is worth more than a retry of the task,
  // which would render (and bill) it again. Waits even while stopping (4.2 s in all by default:
  // a stop with less grace waits that long more). Returns the last outcome.
  // `resent` (when given) is set when the report was sent more than once: a kDuplicate then
  // means that an earlier send was stored.
  template <typename Report>
  auto report_durably(const Task& task, Report&& report, bool* resent = nullptr)
      -> decltype(report());

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
  std::map<std::string, Task> in_flight_;  // by task key (job, block or assembly, attempt)
  std::map<std::string, bool> lost_;       // task key -> lease lost
  std::once_flag stop_once_;
};

}  // namespace polyvox
