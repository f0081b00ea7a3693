// The SQLite backend's side of jobs/job_events.h: appending to a job's event log inside the
// transaction that changes its state, announcing it once that transaction has committed, and
// reading the log back.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "jobs/job_events.h"
#include "jobs/job_record.h"
#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

// The listeners of one store's announcements. Thread-safe.
class EventAnnouncer final : public JobEventFeed {
 public:
  void listen(JobEventListener listener) override;
  void announce(const JobEvent& event) const;

 private:
  mutable std::mutex mutex_;
  std::vector<JobEventListener> listeners_;
};

// Appends the event whose JSON object is `fields` to job `job_seq`'s log (the next seq), with
// "at_ms": `now_ms` added, announced through `announcer` once the transaction commits. Runs
// inside a write.
Status append_event(Connection& db, const EventAnnouncer& announcer, int64_t job_seq,
                    const std::string& fields, int64_t now_ms);

// The bodies of jobs/job_events.h.
std::string block_processing_event(std::size_t index, int64_t attempt);
std::string block_retrying_event(std::size_t index, int64_t attempt, int64_t delay_ms,
                                 const std::string& reason);
std::string block_done_event(std::size_t index, const BlockResult& result);
std::string block_failed_event(std::size_t index, const std::string& reason);
std::string job_completed_event(int64_t duration_samples);
std::string job_failed_event(const std::string& error);
std::string job_cancelled_event();

// Emits block.placed for each block that every earlier block being done now places (from the
// job's blocks_placed on), and moves blocks_placed and placed_samples on. Runs inside a write,
// after a block became done.
Status place_done_blocks(Connection& db, const EventAnnouncer& announcer, int64_t job_seq,
                         int64_t now_ms);

// Job `id`'s log after `after_seq`, at most `limit` events. nullopt when the job is unknown.
Result<std::optional<JobEventLog>> read_job_events(Connection& db, const std::string& id,
                                                   int64_t after_seq, std::size_t limit);

}  // namespace polyvox::sqlite
