// What a job event feed (jobs/job_events.h) announced, for tests: a listener that records each
// event, and waits (bounded) for the events a test expects.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "jobs/job_events.h"

namespace polyvox::test_support {

class EventRecorder {
 public:
  JobEventListener listener() {
    return [this](const JobEvent& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      changed_.notify_all();
    };
  }

  // True once `count` events (resyncs included) were heard, waiting up to 10 s.
  bool wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10),
                             [&] { return events_.size() >= count; });
  }

  // The `n`th event heard (from 1), waiting up to 10 s for it; nullopt if it did not come.
  std::optional<JobEvent> nth(std::size_t n) {
    if (!wait_for(n)) return std::nullopt;
    std::lock_guard lock(mutex_);
    return events_[n - 1];
  }

  std::vector<JobEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<JobEvent> events_;
};

}  // namespace polyvox::test_support
