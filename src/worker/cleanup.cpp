#include "worker/cleanup.h"

#include <sys/stat.h>

#include "log/log.h"

namespace polyvox {

CleanupScheduler::CleanupScheduler(JobStore& jobs, BlobStore& blobs, const Clock& clock,
                                   CleanupOptions options)
    : jobs_(jobs), blobs_(blobs), clock_(clock), options_(std::move(options)) {}

CleanupScheduler::~CleanupScheduler() { stop(); }

CleanupReport CleanupScheduler::run_once() {
  CleanupReport report;
  const int64_t now = clock_.now_ms();
  for (const auto& dir : options_.temp_dirs) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      struct stat st {};
      if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const int64_t modified = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
      if (now - modified > options_.temp_retention_ms) {
        std::error_code removed;
        if (std::filesystem::remove(it->path(), removed)) ++report.temp_files_deleted;
      }
    }
  }
  if (options_.job_retention_ms > 0 &&
      (!options_.leads_job_cleanup || options_.leads_job_cleanup())) {
    constexpr std::size_t kBatch = 200;
    while (true) {
      auto ids = jobs_.finished_jobs_before(now - options_.job_retention_ms, kBatch);
      if (!ids || ids->empty()) break;
      for (const auto& id : *ids) {
        auto keys = jobs_.delete_job(id);
        if (!keys) continue;
        ++report.jobs_deleted;
        for (const auto& key : *keys) {
          if (blobs_.remove(key)) ++report.blobs_deleted;
        }
      }
      if (ids->size() < kBatch) break;
    }
  }
  if (report.temp_files_deleted || report.jobs_deleted) {
    log::info("cleanup", {{"temp_files_deleted", static_cast<long long>(report.temp_files_deleted)},
                          {"jobs_deleted", static_cast<long long>(report.jobs_deleted)},
                          {"blobs_deleted", static_cast<long long>(report.blobs_deleted)}});
  }
  return report;
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
