// Server-sent events of jobs (GET /jobs/{id}/events, GET /events): a LiveBody fed by the
// node's EventHub. Each frame is "id: <id>\nevent: <name>\ndata: <JSON>\n\n"; the data carries
// job_id, and sample counts of the stored events (jobs/job_events.h) become milliseconds with 3
// decimals, as in the manifest.
// The stream starts with what the route read (snapshots, replayed events), then follows the
// hub. A job's events arrive in seq order without gaps; when one is missing (the hub resynced,
// or this client is too slow to keep up) the stream ends with "retry: 0", so that the client
// reconnects at once with Last-Event-ID and the route replays what it missed from the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "jobs/event_hub.h"
#include "jobs/job_events.h"

namespace polyvox {

// Turns stored events into SSE frames.
class EventRenderer {
 public:
  // `base_url`: for result_url; `sample_rate`: the workers' SAMPLE_RATE.
  EventRenderer(std::string base_url, int sample_rate)
      : base_url_(std::move(base_url)), sample_rate_(sample_rate) {}

  // The frame of `event`, with `id` as its SSE id; nullopt for a body that is not an event
  // (never sent). `terminal` is set when the event ends its job (completed, failed,
  // cancelled).
  std::optional<std::string> frame(const JobEvent& event, const std::string& id,
                                   bool* terminal = nullptr) const;

  // A "snapshot" frame: `status_json` (the /status body) as its data.
  static std::string snapshot_frame(const std::string& id, const std::string& status_json);

 private:
  std::optional<std::string> render(const JobEvent& event, const std::string& id,
                                    bool* terminal) const;

  std::string base_url_;
  int sample_rate_;
};

class JobEventStream final : public LiveBody {
 public:
  static constexpr std::chrono::milliseconds kHeartbeat{15'000};
  static constexpr std::size_t kMaxQueuedFrames = 4096;  // a client this far behind resyncs

  // Subscribes to `filter` at once, so that nothing announced from now on is missed; what
  // arrives is held until start(). A filter naming a job makes a single-job stream (ids are
  // seqs, checked for gaps, the stream ends after the job's final event); otherwise ids are
  // "<job>/<seq>" and not checked.
  JobEventStream(EventHub& hub, EventHub::Filter filter, EventRenderer renderer);
  ~JobEventStream() override;

  // Called once, after the route read what opens the stream: `opening` frames go first; then
  // the held and later events (single job: those after `last_seq`, which the opening covered).
  // `finished`: the job is over already, the stream ends after the opening.
  void start(std::string opening, int64_t last_seq, bool finished);

  void next(Deliver deliver) override;
  std::chrono::milliseconds heartbeat_interval() const override { return kHeartbeat; }
  std::string heartbeat() override { return ": keep-alive\n\n"; }
  bool ends_at_shutdown() const override { return true; }
  std::string farewell() override { return "retry: 1000\n\n"; }
  void close() override;

 private:
  void on_event(const JobEvent& event);
  void add(const JobEvent& event);  // REQUIRES: mutex_ held, started_
  void end_for_resync();            // REQUIRES: mutex_ held
  // Hands what is queued to a waiting next(), if any. REQUIRES: mutex_ held; calls the
  // deliver outside it via the returned function.
  Deliver take_ready(Piece& piece);

  EventHub& hub_;
  const EventRenderer renderer_;
  const bool single_job_;
  uint64_t subscription_ = 0;
  std::mutex mutex_;
  std::string ready_;  // frames not yet handed over
  std::size_t queued_ = 0;
  bool ending_ = false;  // the body ends once ready_ is handed over
  bool closed_ = false;
  bool started_ = false;
  std::vector<JobEvent> held_;  // before start()
  int64_t last_seq_ = 0;        // single job: the last seq sent or covered
  Deliver pending_;
};

}  // namespace polyvox
