// Waiting for a job to finish without polling the store in a loop: woken by the node's EventHub.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/http_types.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "jobs/event_hub.h"
#include "jobs/job_store.h"

namespace polyvox {

// Returns job `id` (without its blocks) once it is finished (completed, failed or cancelled),
// read after the event that said so; kUnavailable when `timeout` passes first, or the store's
// error. Woken by `hub`'s events for the job and, as a backstop for an event lost to a resync,
// re-reads the job at least once a second (every 250 ms without a hub). Blocks the calling
// thread: call it on the blocking pool, never on an I/O thread. Thread-safe.
Result<JobRecord> wait_for_job(EventHub* hub, JobStore& jobs, const std::string& id,
                               std::chrono::milliseconds timeout);

// The same wait as a PendingResponse (http_types.h): no thread is held while the job renders.
// Ready once the hub tells that job `id` finished (job.completed, job.failed, job.cancelled);
// a resync of the hub (announcements may have been missed) re-reads the job on `pool`. The
// response is then `make` of the job read again (without its blocks), or of the store's error
// reading it, run by the server on its blocking pool; `abandoned` answers when the server stops
// waiting first (it stops, or `timeout` passes). Use, on the blocking pool:
//
//   auto waiting = FinishedJobResponse::create(hub, jobs, pool, id, timeout, make, abandoned);
//   auto now = jobs.get_job(id, false);      // after create(): no finish is missed
//   if (!now || is_finished(now->status)) { waiting->cancel(); return make(now); }
//   HttpResponse response;
//   response.pending = std::move(waiting);
//
// Thread-safe.
class FinishedJobResponse final : public PendingResponse,
                                  public std::enable_shared_from_this<FinishedJobResponse> {
 public:
  using Make = std::function<HttpResponse(const Result<JobRecord>&)>;
  using Abandoned = std::function<HttpResponse(Abandon)>;

  // Subscribes at once.
  static std::shared_ptr<FinishedJobResponse> create(EventHub& hub, JobStore& jobs,
                                                     ThreadPool& pool, std::string id,
                                                     std::chrono::milliseconds timeout, Make make,
                                                     Abandoned abandoned);
  ~FinishedJobResponse() override;

  void wait(std::function<void(PendingResponse::Make)> ready) override;
  std::chrono::steady_clock::time_point deadline() const override { return deadline_; }
  void cancel() override;
  HttpResponse abandoned(Abandon why) override { return abandoned_(why); }

 private:
  FinishedJobResponse(EventHub& hub, JobStore& jobs, ThreadPool& pool, std::string id,
                      std::chrono::milliseconds timeout, Make make, Abandoned abandoned);
  void on_event(const JobEvent& event);
  void refresh();      // on the pool: reads the job after a resync
  void fire_locked();  // hands the maker to `ready_` once both are there

  EventHub& hub_;
  JobStore& jobs_;
  ThreadPool& pool_;
  const std::string id_;
  const std::chrono::steady_clock::time_point deadline_;
  const Make make_;
  const Abandoned abandoned_;
  uint64_t subscription_ = 0;
  std::mutex mutex_;  // guards what follows
  std::function<void(PendingResponse::Make)> ready_;
  bool finished_ = false;
  bool refreshing_ = false;
  bool closed_ = false;
};

}  // namespace polyvox
