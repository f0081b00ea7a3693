#include "worker/cleanup.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>

#include "log/log.h"

namespace polyvox {
namespace {

bool any_name(const std::string&) { return true; }

// A file being written under a temporary name (LocalBlobStore, DiskAudioCache, the signing key:
// "<name>.tmp-<random>"), or any "*.tmp".
bool temporary_name(const std::string& name) {
  return name.ends_with(".tmp") || name.find(".tmp-") != std::string::npos;
}

}  // namespace

CleanupScheduler::CleanupScheduler(JobStore& jobs, BlobStore& blobs, const Clock& clock,
                                   CleanupOptions options)
    : jobs_(jobs),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)),
      orphans_(jobs, blobs) {}

CleanupScheduler::~CleanupScheduler() { stop(); }

std::size_t CleanupScheduler::delete_old_files(const std::filesystem::path& dir, int64_t before_ms,
                                               bool (*matches)(const std::string& name)) {
  std::size_t deleted = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const int64_t modified = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (modified < before_ms && matches(it->path().filename().string())) {
      std::error_code removed;
      if (std::filesystem::remove(it->path(), removed)) ++deleted;
    }
  }
  return deleted;
}

void CleanupScheduler::delete_old_jobs(int64_t before_ms, CleanupReport& report) {
  const std::size_t batch = std::max<std::size_t>(1, options_.job_batch);
  while (!stopping()) {
    auto ids = jobs_.finished_jobs_before(before_ms, batch);
    if (!ids || ids->empty()) break;
    std::size_t deleted = 0;
    std::optional<Error> failed;
    for (const auto& id : *ids) {
      auto keys = jobs_.delete_job(id);
      if (!keys) {
        failed = keys.error();
        continue;
      }
      ++deleted;
      ++report.jobs_deleted;
      for (const auto& key : *keys) {
        if (blobs_.remove(key)) ++report.blobs_deleted;
      }
    }
    // A batch of which nothing could be deleted (the store refusing writes) would come back the
    // same at once: the pass ends, and the next one tries again.
    if (deleted == 0 && failed) {
      log::warn("cleanup cannot delete finished jobs; it tries again at the next pass",
                {{"error", failed->message}});
      break;
    }
    if (ids->size() < batch) break;
  }
}

void CleanupScheduler::delete_orphans(int64_t before_ms, CleanupReport& report) {
  auto swept = orphans_.run(before_ms, [this] { return !stopping(); });
  if (swept) {
    report.orphans_deleted = swept->deleted;
  } else if (!orphans_unlisted_logged_) {
    orphans_unlisted_logged_ = true;  // the same reason every pass: said once
    log::warn("cleanup cannot look for orphaned blobs", {{"error", swept.error().message}});
  }
}

CleanupReport CleanupScheduler::run_once() {
  CleanupReport report;
  const int64_t now = clock_.now_ms();
  const int64_t temp_before = now - options_.temp_retention_ms;
  for (const auto& dir : options_.temp_dirs) {
    report.temp_files_deleted += delete_old_files(dir, temp_before, any_name);
  }
  for (const auto& dir : options_.leftover_dirs) {
    report.temp_files_deleted += delete_old_files(dir, temp_before, temporary_name);
  }
  if (!options_.leads_job_cleanup || options_.leads_job_cleanup()) {
    if (options_.job_retention_ms > 0) delete_old_jobs(now - options_.job_retention_ms, report);
    delete_orphans(temp_before, report);
    if (auto forgotten = jobs_.forget_departed_workers()) {
      report.workers_forgotten = *forgotten;
    } else {
      log::warn("cleanup cannot forget departed workers", {{"error", forgotten.error().message}});
    }
  }
  if (report.temp_files_deleted || report.jobs_deleted || report.orphans_deleted ||
      report.workers_forgotten) {
    log::info("cleanup", {{"temp_files_deleted", static_cast<long long>(report.temp_files_deleted)},
                          {"jobs_deleted", static_cast<long long>(report.jobs_deleted)},
                          {"blobs_deleted", static_cast<long long>(report.blobs_deleted)},
                          {"orphans_deleted", static_cast<long long>(report.orphans_deleted)},
                          {"workers_forgotten", static_cast<long long>(report.workers_forgotten)}});
  }
  return report;
}

bool CleanupScheduler::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void CleanupScheduler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      (void)log::catching("cleanup", [this] { run_once(); });
      lock.lock();
    }
  });
}

void CleanupScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace polyvox
