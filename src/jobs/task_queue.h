// The TaskQueue seam: durable work items with leases. A block task renders one block; the
// assembly task joins a job's segments. Implementations sit beside the JobStore they share a
// backend with (jobs/sqlite/, jobs/redis/), because completions change both atomically.
//
// Delivery is at-least-once; effects are exactly-once: each claim of a task gets a new attempt
// number (a fencing token), and only the current attempt's holder may complete or fail it. A
// worker that dies or stalls loses its lease; the task is claimed again with a higher attempt,
// and the stale holder's late report is refused. A lease past its expiry that nobody has
// claimed again still belongs to its holder (no newer attempt exists to fence it off). Every
// method is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "jobs/job_record.h"

namespace polyvox {

enum class TaskKind { kBlock, kAssemble };

// Claims take the interactive lane's tasks (jobs marked so, or short: core/job.h) before the
// batch lane's, but after this many interactive claims in a row by one store instance (one
// process), a due batch task goes first once: short jobs cannot keep long ones from being
// claimed at all.
inline constexpr int kInteractiveStreak = 3;

struct Task {
  TaskKind kind = TaskKind::kBlock;
  std::string job_id;
  std::size_t block_index = 0;  // kBlock only
  int64_t attempt = 0;          // fencing token of this claim
  std::string worker_id;        // who holds the lease
  // Transient failures of this task before this claim (fail_task with a retry time): the
  // retry budget. Claims given back (release) or lost (an expired lease) are not failures.
  int failures = 0;
};

// What a report did.
enum class ReportOutcome {
  kAccepted,   // recorded now
  kDuplicate,  // this very attempt had already been recorded: nothing changed (idempotent)
  kRefused,    // the lease was lost (another attempt holds or finished the task, or the job
               // was cancelled or deleted): nothing changed; discard the work
};

struct BlockCompletion {
  ReportOutcome outcome = ReportOutcome::kRefused;
  bool assembly_enqueued = false;  // this completion finished the job's last block
};

class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // Claims a due task: a waiting one whose time has come, or one whose lease expired (a dead
  // or stalled worker's: its attempt is bumped). The task is leased to `worker_id` until now +
  // `lease_ms`. Waits up to `wait_ms` for a task to become due; nullopt when none did. A task
  // claimed more than the implementation's limit fails its block (and job) instead of being
  // handed out again (a poison block must not loop forever); claims given back by release()
  // do not count, claims that ended in a delayed retry do. Lanes: kInteractiveStreak.
  virtual Result<std::optional<Task>> claim(const std::string& worker_id, int64_t lease_ms,
                                            int64_t wait_ms) = 0;

  // Extends the lease to now + `lease_ms`. False (not an error) when the lease was lost.
  virtual Result<bool> heartbeat(const Task& task, int64_t lease_ms) = 0;

  // Records that `task` (kBlock) rendered its block. Atomically: the block is done with
  // `result`, what this attempt cost (result.usage) is added to the block's usage (every
  // attempt's, BlockRecord::usage) and to its owner's, the job's blocks_done grows by one (the
  // job becomes processing), the task is removed and, when this was the last block, exactly one
  // assembly task is enqueued.
  virtual Result<BlockCompletion> complete_block(const Task& task, const BlockResult& result) = 0;

  // Records that `task` failed with `error`. With `retry_at_ms`, the task waits until then and
  // is claimed again (the block stays queued), its failures one more; without, the block fails and
  // so does its job
  // ("block 3 failed: <error>", or "assembly failed: <error>"), the job's other tasks are
  // withdrawn and its unfinished blocks cancelled. `usage` is what the failed attempt cost
  // (vendor calls are billed whether or not they succeed): for a block task it is added to the
  // block's and the owner's usage in the same step (ignored for an assembly); only an accepted
  // report counts it.
  virtual Result<ReportOutcome> fail_task(const Task& task, const std::string& error,
                                          std::optional<int64_t> retry_at_ms,
                                          const std::vector<ProviderUsage>& usage) = 0;

  // Records that `task` (kAssemble) stored the final file: the job is completed.
  virtual Result<ReportOutcome> complete_assembly(const Task& task,
                                                  const AssemblyOutcome& outcome) = 0;

  // Gives a leased task back at once, without counting the attempt as failed (shutdown).
  virtual Status release(const Task& task) = 0;

  // Wakes every claim() that is waiting (shutdown): each returns nullopt. A claim() that starts
  // afterwards waits as usual; the caller stops calling it.
  virtual void interrupt() = 0;
};

}  // namespace polyvox
