// A LocalBlobStore::SyncFn that records what each fsync was given (the path of the file or
// directory behind the descriptor), then syncs it. Tests may note their own events in the same
// sequence to check what happened before what. Thread-safe.
#pragma once

#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

#include "storage/local_blob_store.h"

namespace polyvox::test_support {

class SyncRecorder {
 public:
  LocalBlobStore::SyncFn fn() {
    return [this](int fd) {
      char path[4096] = {};
      const std::string link = "/proc/self/fd/" + std::to_string(fd);
      const ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
      note(n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "?");
      return ::fsync(fd);
    };
  }

  // Adds `event` to the sequence, as a sync adds its path.
  void note(const std::string& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }

  // The sequence so far: synced paths and noted events, in order.
  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

}  // namespace polyvox::test_support
