// Scheduled cleanup: every interval, temporary files older than their retention are deleted
// (the scratch directory's, and files named as temporaries elsewhere in the data directory: a
// write that a crash interrupted), and so are orphaned blobs (orphan_sweep.h); finished jobs
// older than their retention are deleted with their audio, and the store forgets the workers
// that went away without stopping. Jobs that are queued or running are
// never touched (JobStore::finished_jobs_before only returns finished ones), nor is what an
// attempt still running may record, nor anything written within the temporary retention.
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
#include "worker/orphan_sweep.h"

namespace polyvox {

struct CleanupOptions {
  int64_t interval_ms = 3'600'000;               // CLEANUP_INTERVAL_SECONDS
  int64_t temp_retention_ms = 3'600'000;         // TEMP_RETENTION_SECONDS
  int64_t job_retention_ms = 604'800'000;        // JOB_RETENTION_SECONDS; 0 keeps jobs forever
  std::vector<std::filesystem::path> temp_dirs;  // every file in them, recursively
  // Only files named as temporaries ("*.tmp", "*.tmp-*": blobs, cache entries and keys being
  // written) in them, recursively: the data directory.
  std::vector<std::filesystem::path> leftover_dirs;
  // Distributed mode: true while this process leads the periodic work, so that finished jobs are
  // deleted, and orphaned blobs looked for, by one node at a time (temp files are every node's
  // own). Null: always.
  std::function<bool()> leads_job_cleanup;
  // Finished jobs read and deleted at a time (tests make it small).
  std::size_t job_batch = 200;
};

struct CleanupReport {
  std::size_t temp_files_deleted = 0;
  std::size_t jobs_deleted = 0;
  std::size_t blobs_deleted = 0;
  std::size_t orphans_deleted = 0;    // blobs no row points at (orphan_sweep.h)
  std::size_t workers_forgotten = 0;  // JobStore::forget_departed_workers
};

class CleanupScheduler {
 public:
  CleanupScheduler(JobStore& jobs, BlobStore& blobs, const Clock& clock, CleanupOptions options);
  ~CleanupScheduler();

  // One pass now. Thread-compatible (the scheduler's own thread calls it too); stop() ends a
  // pass early.
  CleanupReport run_once();

  // A pass every interval on a background thread, until stop().
  void start();
  void stop();

 private:
  // Deletes the files under `dir` last written before `before_ms` whose names `matches`.
  std::size_t delete_old_files(const std::filesystem::path& dir, int64_t before_ms,
                               bool (*matches)(const std::string& name));
  void delete_old_jobs(int64_t before_ms, CleanupReport& report);
  void delete_orphans(int64_t before_ms, CleanupReport& report);
  bool stopping();

  JobStore& jobs_;
  BlobStore& blobs_;
  const Clock& clock_;
  CleanupOptions options_;
  OrphanSweep orphans_;
  bool orphans_unlisted_logged_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace polyvox
