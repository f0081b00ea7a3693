// Rows of the jobs and blocks tables (sqlite_schema.cpp): reading JobRecords back, for the read
// path and for writes that return the job as it is after them, and the writer's own look-ups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "core/error.h"
#include "jobs/job_store.h"
#include "jobs/sqlite/sqlite_connection.h"
#include "jobs/task_queue.h"

namespace polyvox::sqlite {

// Statuses and kinds are stored as the integers of their enums.
constexpr int code(JobStatus s) { return static_cast<int>(s); }
constexpr int code(BlockStatus s) { return static_cast<int>(s); }
constexpr int code(TaskKind k) { return static_cast<int>(k); }

// tasks.state: where a live task is in its life.
enum class TaskState {
  kWaiting = 0,   // never claimed, or released: claimable from due_ms
  kLeased = 1,    // held by worker_id until due_ms (the lease's expiry), then claimable again
  kRetrying = 2,  // its current attempt failed and asked for a retry at due_ms
};
constexpr int code(TaskState s) { return static_cast<int>(s); }

// tasks.lane: claims take every due assembly first, then the interactive lane, then batch work;
// within a lane, owners take turns (user_turns; a block task's `turn` is its owner's row there,
// an assembly's is kNoTurn), and one owner's tasks go in due order.
constexpr int64_t kAssemblyLane = 0;
constexpr int64_t kInteractiveLane = 1;
constexpr int64_t kBatchLane = 2;
constexpr int64_t kNoTurn = 0;

// A LIMIT or OFFSET for SQLite, which takes a signed 64-bit one ("no limit": SIZE_MAX).
constexpr int64_t sql_limit(std::size_t n) {
  return n > static_cast<std::size_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(n);
}

// The job `id` (with its blocks, in order, when `with_blocks`), or nullopt if there is none.
Result<std::optional<JobRecord>> find_job(Connection& db, const std::string& id, bool with_blocks);

// Jobs of `owner` (all when empty), newest first, `limit` after `offset`, and how many match.
Result<JobPage> list_job_page(Connection& db, const std::string& owner, std::size_t offset,
                              std::size_t limit);

// What the writer needs to know of a job to decide a transition.
struct JobRow {
  int64_t seq = 0;  // the key of its blocks and tasks
  JobStatus status = JobStatus::kQueued;
  std::size_t blocks_total = 0;
  std::size_t blocks_done = 0;
  bool assembly_enqueued = false;
  std::optional<int64_t> assembly_attempt;  // the attempt whose assembly report was recorded
};

// Block `index` of job `id` with the job's format, size and status; nullopt if either is absent.
Result<std::optional<BlockWork>> find_block(Connection& db, const std::string& id,
                                            std::size_t index);

// The job `id`'s row, or nullopt if there is none.
Result<std::optional<JobRow>> find_job_row(Connection& db, const std::string& id);

// Stops all work of job `seq`: its unfinished blocks become cancelled and its tasks are deleted
// (their holders' reports will be refused). For cancellation and failure.
Status withdraw_unfinished_work(Connection& db, int64_t seq);

// Adds `count` tasks just inserted waiting (state != leased) to the counter /metrics reads
// (counters 'tasks.waiting'). Every INSERT INTO tasks is followed by it, in the same write.
Status count_new_waiting_tasks(Connection& db, int64_t count);

// When the earliest task (waiting, or leased until its lease expires) is due; nullopt without
// tasks. An index seek for the assemblies and one per lane and owner with block tasks.
Result<std::optional<int64_t>> earliest_task_due(Connection& db);

}  // namespace polyvox::sqlite
