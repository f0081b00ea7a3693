// Scheduled cleanup: every interval, temporary files older than their retention are deleted, and
// finished jobs older than theirs are deleted with their audio. Jobs that are queued or running
// are never touched (JobStore::finished_jobs_before only returns finished ones).
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "jobs/job_store.h"
#include "storage/blob_store.h"

namespace polyvox {

struct CleanupOptions {
  int64_t interval_ms = 3'600'000;               // CLEANUP_INTERVAL_SECONDS
  int64_t temp_retention_ms = 3'600'000;         // TEMP_RETENTION_SECONDS
  int64_t job_retention_ms = 604'800'000;        // JOB_RETENTION_SECONDS; 0 keeps jobs forever
  std::vector<std::filesystem::path> temp_dirs;  // scanned recursively
  // Distributed mode: true while this process leads the periodic work, so that finished jobs are
  // deleted by one node at a time (temp files are every node's own). Null: always.
  std::function<bool()> leads_job_cleanup;
};

struct CleanupReport {
  std::size_t temp_files_deleted = 0;
  std::size_t jobs_deleted = 0;
  std::size_t blobs_deleted = 0;
};

class CleanupScheduler {
 public:
  CleanupScheduler(JobStore& jobs, BlobStore& blobs, const Clock& clock, CleanupOptions options);
  ~CleanupScheduler();

  // One pass now. Thread-compatible (the scheduler's own thread calls it too).
  CleanupReport run_once();

  // A pass every interval on a background thread, until stop().
  void start();
  void stop();

 private:
  JobStore& jobs_;
  BlobStore& blobs_;
  const Clock& clock_;
  CleanupOptions options_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace polyvox
