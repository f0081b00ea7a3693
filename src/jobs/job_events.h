// What happened to a job, as its store records it: every change of a job's or a block's state
// appends an event to the job's event log in the same atomic step (SQLite transaction, Redis
// script), numbered 1, 2, 3... per job (`seq`, gap-free), and announces it to the API nodes
// (SQLite: in commit order, in this process; Redis: PUBLISH from the script). The log lives as
// long as the job, so a client that missed announcements reads what it missed from the store.
//
// An event's body is JSON that both backends write alike:
//   {"type": "block.processing", "index", "attempt"}
//   {"type": "block.retrying", "index", "attempt", "delay_ms", "reason"}
//   {"type": "block.done", "index", "provider", "voice", "speech_samples", "pause_samples",
//    "cached"}
//   {"type": "block.failed", "index", "reason"}
//   {"type": "block.placed", "index", "offset_samples"}  (every earlier block is done)
//   {"type": "job.completed", "duration_samples"}
//   {"type": "job.failed", "error"}
//   {"type": "job.cancelled"}
// plus "at_ms" in each: when it happened (Unix ms on the store's clock). Sample counts are at the
// workers' SAMPLE_RATE; the API turns them into milliseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace polyvox {

struct JobEvent {
  std::string job_id;
  std::string owner;  // the job owner's user id (for streams of all of a user's jobs)
  int64_t seq = 0;    // 1, 2, 3... within the job
  std::string body;   // JSON, as above
};

// Called with each event as it is announced on this node. Must be quick and must not wait. An
// event with seq 0 (and no job) is a resync: announcements may have been missed (a feed that
// lost its connection); a listener reads what it needs from the stored logs.
using JobEventListener = std::function<void(const JobEvent&)>;

// A job's log, or the part of it after some event.
struct JobEventLog {
  std::string owner;
  int64_t last_seq = 0;          // the job's latest event (0: none yet)
  std::vector<JobEvent> events;  // those after the asked-for seq, in order
};

// The announcements of one backend. Listeners are added before the backend's work starts.
class JobEventFeed {
 public:
  virtual ~JobEventFeed() = default;

  // Adds `listener` for every event announced from now on. Thread-safe.
  virtual void listen(JobEventListener listener) = 0;
};

}  // namespace polyvox
