#include "api/job_waiter.h"

#include <condition_variable>
#include <mutex>

namespace polyvox {

Result<JobRecord> wait_for_job(EventHub* hub, JobStore& jobs, const std::string& id,
                               std::chrono::milliseconds timeout) {
  struct Wake {
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t events = 0;
  } wake;
  uint64_t subscription = 0;
  if (hub) {
    // Subscribed before the first read, so that no change after it is missed.
    subscription = hub->subscribe(EventHub::Filter{id, "", false}, [&wake](const JobEvent&) {
      std::lock_guard lock(wake.mutex);
      ++wake.events;
      wake.changed.notify_all();
    });
  }
  struct Unsubscribe {
    EventHub* hub;
    uint64_t id;
    ~Unsubscribe() {
      if (hub && id) hub->unsubscribe(id);  // waits for a delivery in progress
    }
  } unsubscribe{hub, subscription};

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::chrono::milliseconds backstop(hub ? 1000 : 250);
  uint64_t seen = 0;
  while (true) {
    auto job = jobs.get_job(id, false);
    if (!job || is_finished(job->status)) return job;
    std::unique_lock lock(wake.mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Error{ErrorKind::kUnavailable,
                   "job " + id + " did not finish within " +
                       std::to_string(timeout.count() / 1000) + " s; it goes on rendering",
                   ""};
    }
    wake.changed.wait_until(lock, std::min(deadline, now + backstop),
                            [&] { return wake.events != seen; });
    seen = wake.events;
  }
}

}  // namespace polyvox
