#include "api/job_waiter.h"

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

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

std::shared_ptr<FinishedJobResponse> FinishedJobResponse::create(EventHub& hub, JobStore& jobs,
                                                                 ThreadPool& pool, std::string id,
                                                                 std::chrono::milliseconds timeout,
                                                                 Make make, Abandoned abandoned) {
  std::shared_ptr<FinishedJobResponse> self(new FinishedJobResponse(
      hub, jobs, pool, std::move(id), timeout, std::move(make), std::move(abandoned)));
  // A plain pointer, not a strong reference: the sink must never hold the last one (the
  // destructor would run inside the hub's delivery and wait for itself in unsubscribe()).
  FinishedJobResponse* raw = self.get();
  self->subscription_ = hub.subscribe(EventHub::Filter{self->id_, "", false},
                                      [raw](const JobEvent& event) { raw->on_event(event); });
  return self;
}

FinishedJobResponse::FinishedJobResponse(EventHub& hub, JobStore& jobs, ThreadPool& pool,
                                         std::string id, std::chrono::milliseconds timeout,
                                         Make make, Abandoned abandoned)
    : hub_(hub),
      jobs_(jobs),
      pool_(pool),
      id_(std::move(id)),
      deadline_(std::chrono::steady_clock::now() + timeout),
      make_(std::move(make)),
      abandoned_(std::move(abandoned)) {}

FinishedJobResponse::~FinishedJobResponse() { cancel(); }

void FinishedJobResponse::wait(std::function<void(PendingResponse::Make)> ready) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  ready_ = std::move(ready);
  fire_locked();
}

void FinishedJobResponse::on_event(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  if (closed_ || finished_) return;
  if (event.seq == 0) {  // a resync: the finish may have been missed
    if (!refreshing_) {
      refreshing_ = true;
      pool_.post([self = shared_from_this()] { self->refresh(); });
    }
    return;
  }
  const auto body = nlohmann::json::parse(event.body, nullptr, false);
  const std::string type = body.is_object() ? body.value("type", "") : "";
  if (type == "job.completed" || type == "job.failed" || type == "job.cancelled") {
    finished_ = true;
    fire_locked();
  }
}

void FinishedJobResponse::refresh() {
  auto job = jobs_.get_job(id_, false);  // off the lock: a store read may wait
  std::lock_guard lock(mutex_);
  refreshing_ = false;
  if (closed_ || finished_) return;
  if (!job || is_finished(job->status)) {  // an error is an answer too: make() says it
    finished_ = true;
    fire_locked();
  }
}

void FinishedJobResponse::fire_locked() {
  if (!finished_ || !ready_) return;
  auto ready = std::move(ready_);
  ready_ = nullptr;
  // Under the lock, so that cancel() returns only once no delivery is in progress (a delivery
  // only posts to the server's loop).
  ready([self = shared_from_this()] { return self->make_(self->jobs_.get_job(self->id_, false)); });
}

void FinishedJobResponse::cancel() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    ready_ = nullptr;
  }
  if (subscription_) hub_.unsubscribe(subscription_);  // waits for a delivery in progress
}

}  // namespace polyvox
