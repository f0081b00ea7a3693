// The embedded mode's JobStore and TaskQueue: one class over one SQLite database, because a
// block's completion changes the job, the block and the task queue in one transaction.
// Writes go through the database's group-commit writer thread (every method that changes state
// returns once that change is durable); reads use the calling thread's read connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "jobs/job_store.h"
#include "jobs/sqlite/due_signal.h"
#include "jobs/sqlite/job_event_rows.h"
#include "jobs/sqlite/read_cache.h"
#include "jobs/sqlite/sqlite_database.h"
#include "jobs/task_queue.h"

namespace polyvox::sqlite {

struct JobStoreOptions {
  // Time of leases, due times and job timestamps. Not owned; must outlive the store.
  // nullptr: the system clock.
  const Clock* clock = nullptr;

  // A task is handed out at most this many times (releases not counted): the claim that would
  // exceed it fails the block (and so the job) with an error saying so, instead of letting a
  // block that kills its workers loop forever. Delayed retries count, as each is a new claim.
  int max_claims = 10;

  // Embedded mode sets this: the store's process runs every worker of the queue, so leases found
  // at open belong to workers of a dead process and their tasks are made due at once instead of
  // when the leases expire. (Their attempts stay fenced: the next claim bumps them.) Leave it
  // off in a process that shares the file with a live worker pool (an admin command).
  bool expire_leases_at_open = false;

  // INTERACTIVE_MAX_BLOCKS: jobs of at most this many blocks are claimed in the interactive
  // lane, as are jobs marked interactive (core/job.h claims_interactively).
  std::size_t interactive_max_blocks = 3;
};

class SqliteJobStore final : public JobStore, public TaskQueue {
 public:
  // A store over `db` (which may be shared with a SqliteUserStore). Reads the earliest due time
  // of the tasks already in the database, so that tasks left by a previous process are claimed
  // again: waiting ones at once, leased ones when their leases expire (at once with
  // expire_leases_at_open). Errors: as Database.
  static Result<std::unique_ptr<SqliteJobStore>> open(std::shared_ptr<Database> db,
                                                      const JobStoreOptions& options);

  // REQUIRES: no call in progress (a claim() waiting included: interrupt() and join first).
  ~SqliteJobStore() override = default;

  // JobStore (contracts in jobs/job_store.h).
  Result<JobRecord> create_job(const NewJob& job) override;
  Result<JobRecord> get_job(const std::string& id, bool with_blocks) override;
  Result<BlockWork> get_block(const std::string& job_id, std::size_t index) override;
  Result<JobPage> list_jobs(const std::string& owner, std::size_t offset,
                            std::size_t limit) override;
  Result<JobRecord> cancel_job(const std::string& id) override;
  Result<std::vector<std::string>> delete_job(const std::string& id) override;
  Result<std::vector<std::string>> finished_jobs_before(int64_t before_ms,
                                                        std::size_t limit) override;
  Result<std::vector<UserUsage>> usage(const std::string& owner) override;
  Result<StoreCounts> counts() override;
  bool ping() override;
  Result<std::string> identity() override;
  Result<JobEventLog> job_events(const std::string& id, int64_t after_seq,
                                 std::size_t limit) override;

  // Drops the cached job reads that are past their age (ReadCache::drop_expired): the last poll
  // of a large job would otherwise keep it, blocks and all. Thread-safe.
  void release_memory() { job_cache_.drop_expired(); }

  // Where this store announces the events it commits (in commit order, on its writer thread).
  JobEventFeed& event_feed() { return events_; }

  // TaskQueue (contracts in jobs/task_queue.h).
  Result<std::optional<Task>> claim(const std::string& worker_id, int64_t lease_ms,
                                    int64_t wait_ms) override;
  Result<bool> heartbeat(const Task& task, int64_t lease_ms) override;
  Result<BlockCompletion> complete_block(const Task& task, const BlockResult& result) override;
  Result<ReportOutcome> fail_task(const Task& task, const std::string& error,
                                  std::optional<int64_t> retry_at_ms,
                                  const std::vector<ProviderUsage>& usage) override;
  Result<ReportOutcome> complete_assembly(const Task& task,
                                          const AssemblyOutcome& outcome) override;
  Status release(const Task& task) override;
  void interrupt() override;

  // How many claim() calls are waiting for a task now (idle workers; tests wait for it).
  std::size_t waiting_claims() const { return due_.waiters(); }

 private:
  SqliteJobStore(std::shared_ptr<Database> db, const JobStoreOptions& options);

  // One attempt at claiming, on the writer thread: the first due task in claim order (expired
  // leases, due assemblies, then the interactive lane, then batch, batch first once after
  // kInteractiveStreak interactive claims in a row; owners in turn within a lane), or nullopt
  // (and the signal then knows the next due time).
  Result<std::optional<Task>> claim_once(Connection& db, const std::string& worker_id,
                                         int64_t lease_ms);

  // On the writer thread: adds a job of `tasks` block tasks to `owner`'s turn (user_turns) and
  // returns the turn's id, which the job's tasks carry. Ids are remembered (turn_ids_), so that
  // a known owner costs one update by id; a remembered id that does not name `owner`'s row (the
  // transaction that made it did not commit) is looked up again.
  Result<int64_t> add_to_turn(Connection& db, const std::string& owner, int64_t tasks);

  const SystemClock system_clock_;
  const Clock& clock_;
  const int max_claims_;
  const std::size_t interactive_max_blocks_;
  std::shared_ptr<Database> db_;
  DueSignal due_;
  EventAnnouncer events_;
  // get_job()'s last reads (a polled job), valid until this process commits anything.
  ReadCache<std::optional<JobRecord>> job_cache_;
  std::unordered_map<std::string, int64_t> turn_ids_;  // owner -> user_turns.id; writer only
  int interactive_streak_ = 0;  // interactive tasks claimed in a row; writer only
};

}  // namespace polyvox::sqlite
