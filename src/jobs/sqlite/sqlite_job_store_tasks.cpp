// The TaskQueue half of SqliteJobStore. Every report runs on the writer thread, so the checks
// (is this attempt still the holder?) and the changes they allow are one atomic step; fencing
// is by the attempt number stored with the live task, which every claim bumps.
#include <algorithm>
#include <chrono>

#include "jobs/sqlite/job_rows.h"
#include "jobs/sqlite/sqlite_job_store.h"

namespace polyvox::sqlite {
namespace {

// The longest a claim() waits, whatever it is asked (keeps the deadline arithmetic finite).
constexpr int64_t kMaxWaitMs = int64_t{24} * 3600 * 1000;

// The assembly task has no block; its block_index column holds this.
constexpr int64_t kNoBlock = -1;

int64_t block_column(const Task& task) {
  return task.kind == TaskKind::kBlock ? static_cast<int64_t>(task.block_index) : kNoBlock;
}

struct TaskRow {
  int64_t id = 0;
  TaskState state = TaskState::kWaiting;
  int64_t attempt = 0;
};

// The live task of job `seq` that `task` names, or nullopt when it is gone.
Result<std::optional<TaskRow>> find_task_row(Connection& db, int64_t seq, const Task& task) {
  return db.query_row(
      "SELECT id, state, attempt FROM tasks WHERE job_seq = ? AND kind = ? AND block_index = ?",
      [](const Statement& row) {
        return TaskRow{row.int64(0), static_cast<TaskState>(row.int64(1)), row.int64(2)};
      },
      seq, code(task.kind), block_column(task));
}

// True when `task`'s attempt still holds the live task's lease. A lease past its expiry that no
// one has claimed again still counts: fencing is by attempt, and no newer attempt exists.
bool holds_lease(const std::optional<TaskRow>& live, const Task& task) {
  return live && live->state == TaskState::kLeased && live->attempt == task.attempt;
}

struct BlockRow {
  BlockStatus status = BlockStatus::kQueued;
  std::optional<int64_t> reported_attempt;
  std::string error;
};

Result<std::optional<BlockRow>> find_block_row(Connection& db, int64_t seq, std::size_t index) {
  return db.query_row(
      "SELECT status, reported_attempt, error FROM blocks WHERE job_seq = ? AND idx = ?",
      [](const Statement& row) {
        BlockRow block{static_cast<BlockStatus>(row.int64(0)), std::nullopt, row.text(2)};
        if (!row.is_null(1)) block.reported_attempt = row.int64(1);
        return block;
      },
      seq, index);
}

// What a report of a block attempt gets when the block already has its final state: the same
// attempt reporting again is a duplicate, anyone else is too late.
ReportOutcome outcome_for_recorded(const BlockRow& block, const Task& task) {
  return block.reported_attempt == task.attempt ? ReportOutcome::kDuplicate
                                                : ReportOutcome::kRefused;
}

// Fails job `seq` because of its block `block` (nullopt: its assembly) with `error`, recording
// `attempt` as the one that reported it (nullopt: nobody did, the store gave up). Withdraws the
// job's other work.
Status fail_job(Connection& db, EventAnnouncer& events, int64_t seq,
                std::optional<std::size_t> block, std::optional<int64_t> attempt,
                const std::string& error, int64_t now) {
  std::string job_error;
  Status s;
  if (block) {
    job_error = "block " + std::to_string(*block) + " failed: " + error;
    s = db.run(
        "UPDATE blocks SET status = ?, error = ?, reported_attempt = ? "
        "WHERE job_seq = ? AND idx = ?",
        code(BlockStatus::kFailed), error, attempt, seq, *block);
    if (s) s = append_event(db, events, seq, block_failed_event(*block, error), now);
  } else {
    job_error = "assembly failed: " + error;
    s = db.run("UPDATE jobs SET assembly_attempt = ? WHERE seq = ?", attempt, seq);
  }
  if (!s) return s;
  if (s = withdraw_unfinished_work(db, seq); !s) return s;
  s = db.run("UPDATE jobs SET status = ?, error = ?, updated_at_ms = ? WHERE seq = ?",
             code(JobStatus::kFailed), job_error, now, seq);
  if (!s) return s;
  return append_event(db, events, seq, job_failed_event(job_error), now);
}

struct DueTask {
  int64_t id = 0, seq = 0, kind = 0, index = 0, attempt = 0, claims = 0, lane = 0, turn = 0;
  int64_t failures = 0;
  std::string job_id;
  bool taken_over = false;  // an expired lease: claimed outside its owner's turn
};

// The columns every due-task query selects, in DueTask's order.
#define POLYVOX_DUE_TASK                                                                 \
  "SELECT t.id, t.job_seq, t.kind, t.block_index, t.attempt, t.claims, t.lane, t.turn, " \
  "t.failures, j.id FROM tasks t JOIN jobs j ON j.seq = t.job_seq "

Result<std::optional<DueTask>> query_due_task(Connection& db, const char* sql, auto&&... args) {
  return db.query_row(
      sql,
      [](const Statement& row) {
        return DueTask{row.int64(0), row.int64(1), row.int64(2), row.int64(3), row.int64(4),
                       row.int64(5), row.int64(6), row.int64(7), row.int64(8), row.text(9)};
      },
      args...);
}

// The task to claim next at `now`: the oldest lease past its expiry (its holder died or
// stalled: taken over at once, as the Redis store does, not queued behind its owner's later
// tasks, and without spending the owner's turn); else the oldest due assembly; else, in the
// interactive lane and then the batch lane (the other way round when `batch_first`), the oldest
// due task of the owner served longest ago that has one. Each step is an index seek
// (tasks_leased_by_due, tasks_by_turn, user_turns_active) per owner with tasks.
Result<std::optional<DueTask>> next_due_task(Connection& db, int64_t now, bool batch_first) {
  // state 1 is TaskState::kLeased, written out so that the partial index applies.
  static_assert(code(TaskState::kLeased) == 1);
  auto expired = query_due_task(
      db, POLYVOX_DUE_TASK "WHERE t.state = 1 AND t.due_ms <= ? ORDER BY t.due_ms, t.id LIMIT 1",
      now);
  if (!expired) return expired;
  if (*expired) {
    (*expired)->taken_over = true;
    return expired;
  }
  auto assembly = query_due_task(db,
                                 POLYVOX_DUE_TASK
                                 "WHERE t.lane = ? AND t.turn = ? AND t.due_ms <= ? "
                                 "ORDER BY t.due_ms, t.id LIMIT 1",
                                 kAssemblyLane, kNoTurn, now);
  if (!assembly || *assembly) return assembly;
  const std::array<int64_t, 2> lanes = batch_first
                                           ? std::array<int64_t, 2>{kBatchLane, kInteractiveLane}
                                           : std::array<int64_t, 2>{kInteractiveLane, kBatchLane};
  for (int64_t lane : lanes) {
    auto turn = db.query_int(
        "SELECT u.id FROM user_turns u WHERE u.active = 1 AND EXISTS (SELECT 1 FROM tasks t "
        "WHERE t.lane = ? AND t.turn = u.id AND t.due_ms <= ?) "
        "ORDER BY u.served, u.id LIMIT 1",
        lane, now);
    if (!turn) return turn.take_error();
    if (!*turn) continue;
    return query_due_task(db,
                          POLYVOX_DUE_TASK
                          "WHERE t.lane = ? AND t.turn = ? AND t.due_ms <= ? "
                          "ORDER BY t.due_ms, t.id LIMIT 1",
                          lane, **turn, now);
  }
  return std::optional<DueTask>();
}
#undef POLYVOX_DUE_TASK

// Adds what one attempt of block `index` of job `seq` cost to the block's usage (every attempt,
// usage_json) and to its owner's (the usage table), in the caller's transaction.
Status record_attempt_usage(Connection& db, int64_t seq, std::size_t index,
                            const std::vector<ProviderUsage>& usage) {
  if (usage.empty()) return Status::success();
  auto stored = db.query_row(
      "SELECT usage_json FROM blocks WHERE job_seq = ? AND idx = ?",
      [](const Statement& row) { return row.is_null(0) ? std::string() : row.text(0); }, seq,
      index);
  if (!stored) return stored.error();
  std::vector<ProviderUsage> totals =
      *stored && !(*stored)->empty() ? usage_from_json(**stored) : std::vector<ProviderUsage>{};
  for (const ProviderUsage& u : usage) add_usage(totals, u);
  auto s = db.run("UPDATE blocks SET usage_json = ? WHERE job_seq = ? AND idx = ?",
                  usage_to_json(totals), seq, index);
  if (!s) return s;
  for (const ProviderUsage& u : usage) {
    s = db.run(
        "INSERT INTO usage (owner, owner_name, provider, calls, characters, cache_hits, "
        "failures, retries) SELECT owner, owner_name, ?, ?, ?, ?, ?, ? FROM jobs WHERE seq = ? "
        "ON CONFLICT (owner, provider) DO UPDATE SET calls = calls + excluded.calls, "
        "characters = characters + excluded.characters, "
        "cache_hits = cache_hits + excluded.cache_hits, "
        "failures = failures + excluded.failures, retries = retries + excluded.retries",
        u.provider, static_cast<int64_t>(u.calls), static_cast<int64_t>(u.characters),
        static_cast<int64_t>(u.cache_hits), static_cast<int64_t>(u.failures),
        static_cast<int64_t>(u.retries), seq);
    if (!s) return s;
  }
  return Status::success();
}

}  // namespace

Result<std::optional<Task>> SqliteJobStore::claim(const std::string& worker_id, int64_t lease_ms,
                                                  int64_t wait_ms) {
  const uint64_t interrupts = due_.interrupts();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 0, kMaxWaitMs));
  for (;;) {
    // Only ask the writer when something may be due: idle workers cost nothing.
    if (due_.due_now()) {
      auto task = db_->write([&](Connection& db) { return claim_once(db, worker_id, lease_ms); });
      if (!task || *task) return task;
    }
    if (!due_.wait(deadline, interrupts)) return std::optional<Task>();
  }
}

Result<std::optional<Task>> SqliteJobStore::claim_once(Connection& db, const std::string& worker_id,
                                                       int64_t lease_ms) {
  // A new task wakes every waiting worker, and each queues a claim here: once one of them found
  // nothing due (and reset the signal), the others' claims end at once instead of each searching
  // the queue again on the writer, in front of the completions and submissions waiting for it.
  if (!due_.due_now()) return std::optional<Task>();
  const int64_t now = clock_.now_ms();
  for (;;) {
    auto due = next_due_task(db, now, interactive_streak_ >= kInteractiveStreak);
    if (!due) return due.take_error();
    if (!*due) break;
    const int64_t id = (*due)->id, seq = (*due)->seq, index = (*due)->index;
    const int64_t claims = (*due)->claims;
    Task task;
    task.kind = static_cast<TaskKind>((*due)->kind);
    task.attempt = (*due)->attempt + 1;
    task.failures = static_cast<int>((*due)->failures);
    task.job_id = std::move((*due)->job_id);
    const bool is_block = task.kind == TaskKind::kBlock;
    task.block_index = is_block ? static_cast<std::size_t>(index) : 0;
    task.worker_id = worker_id;

    if (claims >= max_claims_) {
      // A poison task: every holder so far died or stalled on it.
      std::string error = "gave up after " + std::to_string(claims) + " claims without a result";
      if (is_block) {
        auto block = find_block_row(db, seq, task.block_index);
        if (!block) return block.take_error();
        if (*block && !(*block)->error.empty()) error += " (last error: " + (*block)->error + ")";
      }
      auto failed =
          fail_job(db, events_, seq, is_block ? std::optional(task.block_index) : std::nullopt,
                   std::nullopt, error, now);
      if (!failed) return failed.error();
      continue;
    }

    auto s = db.run(
        "UPDATE tasks SET state = ?, attempt = ?, claims = claims + 1, worker_id = ?, due_ms = ? "
        "WHERE id = ?",
        code(TaskState::kLeased), task.attempt, worker_id, now + lease_ms, id);
    if (!s) return s.error();
    if (is_block) {
      s = db.run("UPDATE blocks SET status = ?, attempts = ? WHERE job_seq = ? AND idx = ?",
                 code(BlockStatus::kProcessing), task.attempt, seq, index);
      if (!s) return s.error();
      s = append_event(db, events_, seq, block_processing_event(task.block_index, task.attempt),
                       now);
      if (!s) return s.error();
    }
    s = db.run("UPDATE jobs SET status = ?, updated_at_ms = ? WHERE seq = ? AND status = ?",
               code(JobStatus::kProcessing), now, seq, code(JobStatus::kQueued));
    if (!s) return s.error();
    if ((*due)->lane != kAssemblyLane && !(*due)->taken_over) {
      // The owner's turn is over: behind everyone served.
      s = db.run(
          "UPDATE user_turns SET served = 1 + (SELECT coalesce(max(served), 0) FROM user_turns "
          "WHERE active = 1) WHERE id = ?",
          (*due)->turn);
      if (!s) return s.error();
    }
    if (!(*due)->taken_over) {
      if ((*due)->lane == kInteractiveLane) {
        ++interactive_streak_;
      } else if ((*due)->lane == kBatchLane) {
        interactive_streak_ = 0;
      }
    }
    due_.lower(now + lease_ms);  // the lease's expiry makes the task due again
    return std::optional<Task>(std::move(task));
  }
  // Nothing due: tell the waiters exactly when something will be.
  auto next_due = earliest_task_due(db);
  if (!next_due) return next_due.take_error();
  due_.reset(next_due->value_or(DueSignal::kNever));
  return std::optional<Task>();
}

Result<bool> SqliteJobStore::heartbeat(const Task& task, int64_t lease_ms) {
  return db_->write([&](Connection& db) -> Result<bool> {
    auto s = db.run(
        "UPDATE tasks SET due_ms = ? WHERE job_seq = (SELECT seq FROM jobs WHERE id = ?) "
        "AND kind = ? AND block_index = ? AND attempt = ? AND state = ?",
        clock_.now_ms() + lease_ms, task.job_id, code(task.kind), block_column(task), task.attempt,
        code(TaskState::kLeased));
    if (!s) return s.error();
    return db.changes() > 0;
  });
}

Result<BlockCompletion> SqliteJobStore::complete_block(const Task& task,
                                                       const BlockResult& result) {
  if (task.kind != TaskKind::kBlock) {
    return Error{ErrorKind::kInternal, "complete_block given an assembly task", ""};
  }
  return db_->write([&](Connection& db) -> Result<BlockCompletion> {
    BlockCompletion out;  // kRefused until proven otherwise
    auto job = find_job_row(db, task.job_id);
    if (!job) return job.take_error();
    if (!*job) return out;  // deleted
    const int64_t seq = (*job)->seq;
    auto block = find_block_row(db, seq, task.block_index);
    if (!block) return block.take_error();
    if (!*block) return out;
    if ((*block)->status == BlockStatus::kDone) {
      out.outcome = outcome_for_recorded(**block, task);
      return out;
    }
    auto live = find_task_row(db, seq, task);
    if (!live) return live.take_error();
    if (!holds_lease(*live, task)) return out;

    const int64_t now = clock_.now_ms();
    auto s = db.run(
        "UPDATE blocks SET status = ?, reported_attempt = ?, error = '', segment_key = ?, "
        "speech_samples = ?, pause_samples = ?, result_provider = ?, result_voice_id = ?, "
        "spoken_text = ?, timing_json = ? WHERE job_seq = ? AND idx = ?",
        code(BlockStatus::kDone), task.attempt, result.segment_key, result.speech_samples,
        result.pause_samples, result.provider, result.voice_id, result.spoken_text,
        result.timing_json, seq, task.block_index);
    if (!s) return s.error();
    s = append_event(db, events_, seq, block_done_event(task.block_index, result), now);
    if (!s) return s.error();
    if (s = place_done_blocks(db, events_, seq, now); !s) return s.error();
    // The block's and the owner's usage grow in the same transaction: counted once per accepted
    // report.
    if (s = record_attempt_usage(db, seq, task.block_index, result.usage); !s) return s.error();
    if (s = db.run("DELETE FROM tasks WHERE id = ?", (*live)->id); !s) return s.error();
    // Each block becomes done once (checked above, under the writer's serial order), so
    // blocks_done reaches blocks_total exactly once; assembly_enqueued and the tasks table's
    // UNIQUE (job_seq, kind, block_index) make a second assembly task impossible regardless.
    out.assembly_enqueued =
        (*job)->blocks_done + 1 == (*job)->blocks_total && !(*job)->assembly_enqueued;
    s = db.run(
        "UPDATE jobs SET blocks_done = blocks_done + 1, status = max(status, ?), "
        "assembly_enqueued = assembly_enqueued OR ?, updated_at_ms = ? WHERE seq = ?",
        code(JobStatus::kProcessing), out.assembly_enqueued, now, seq);
    if (!s) return s.error();
    if (out.assembly_enqueued) {
      // Due since the epoch: claims take the oldest due task first, so the assembly goes before
      // every waiting block and a job whose blocks are done is not kept behind other jobs'.
      s = db.run(
          "INSERT INTO tasks (job_seq, kind, block_index, state, due_ms, turn, lane) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          seq, code(TaskKind::kAssemble), kNoBlock, code(TaskState::kWaiting), int64_t{0}, kNoTurn,
          kAssemblyLane);
      if (!s) return s.error();
      if (s = count_new_waiting_tasks(db, 1); !s) return s.error();
      due_.lower(now);
    }
    out.outcome = ReportOutcome::kAccepted;
    return out;
  });
}

Result<ReportOutcome> SqliteJobStore::fail_task(const Task& task, const std::string& error,
                                                std::optional<int64_t> retry_at_ms,
                                                const std::vector<ProviderUsage>& usage) {
  return db_->write([&](Connection& db) -> Result<ReportOutcome> {
    auto job = find_job_row(db, task.job_id);
    if (!job) return job.take_error();
    if (!*job) return ReportOutcome::kRefused;
    const int64_t seq = (*job)->seq;
    const bool is_block = task.kind == TaskKind::kBlock;
    if (is_block) {
      auto block = find_block_row(db, seq, task.block_index);
      if (!block) return block.take_error();
      if (!*block) return ReportOutcome::kRefused;
      if ((*block)->status == BlockStatus::kFailed) return outcome_for_recorded(**block, task);
    } else if ((*job)->status == JobStatus::kFailed && (*job)->assembly_attempt == task.attempt) {
      return ReportOutcome::kDuplicate;
    }
    auto live = find_task_row(db, seq, task);
    if (!live) return live.take_error();
    if (*live && (*live)->attempt == task.attempt && (*live)->state == TaskState::kRetrying) {
      return ReportOutcome::kDuplicate;  // this attempt's retry is already scheduled
    }
    if (!holds_lease(*live, task)) return ReportOutcome::kRefused;

    const int64_t now = clock_.now_ms();
    if (is_block) {
      if (auto s = record_attempt_usage(db, seq, task.block_index, usage); !s) return s.error();
    }
    if (!retry_at_ms) {
      auto s = fail_job(db, events_, seq, is_block ? std::optional(task.block_index) : std::nullopt,
                        std::optional(task.attempt), error, now);
      if (!s) return s.error();
      return ReportOutcome::kAccepted;
    }
    auto s = db.run(
        "UPDATE tasks SET state = ?, worker_id = '', due_ms = ?, failures = failures + 1 "
        "WHERE id = ?",
        code(TaskState::kRetrying), *retry_at_ms, (*live)->id);
    if (!s) return s.error();
    if (is_block) {
      s = db.run("UPDATE blocks SET status = ?, error = ? WHERE job_seq = ? AND idx = ?",
                 code(BlockStatus::kQueued), error, seq, task.block_index);
      if (!s) return s.error();
      s = append_event(db, events_, seq,
                       block_retrying_event(task.block_index, task.attempt,
                                            std::max<int64_t>(0, *retry_at_ms - now), error),
                       now);
      if (!s) return s.error();
    }
    if (s = db.run("UPDATE jobs SET updated_at_ms = ? WHERE seq = ?", now, seq); !s) {
      return s.error();
    }
    due_.lower(*retry_at_ms);
    return ReportOutcome::kAccepted;
  });
}

Result<ReportOutcome> SqliteJobStore::complete_assembly(const Task& task,
                                                        const AssemblyOutcome& outcome) {
  if (task.kind != TaskKind::kAssemble) {
    return Error{ErrorKind::kInternal, "complete_assembly given a block task", ""};
  }
  return db_->write([&](Connection& db) -> Result<ReportOutcome> {
    auto job = find_job_row(db, task.job_id);
    if (!job) return job.take_error();
    if (!*job) return ReportOutcome::kRefused;
    if ((*job)->status == JobStatus::kCompleted) {
      return (*job)->assembly_attempt == task.attempt ? ReportOutcome::kDuplicate
                                                      : ReportOutcome::kRefused;
    }
    auto live = find_task_row(db, (*job)->seq, task);
    if (!live) return live.take_error();
    if (!holds_lease(*live, task)) return ReportOutcome::kRefused;
    if (auto s = db.run("DELETE FROM tasks WHERE id = ?", (*live)->id); !s) return s.error();
    auto s = db.run(
        "UPDATE jobs SET status = ?, result_key = ?, manifest_json = ?, result_bytes = ?, "
        "assembly_attempt = ?, error = '', updated_at_ms = ? WHERE seq = ?",
        code(JobStatus::kCompleted), outcome.result_key, outcome.manifest_json, outcome.bytes,
        task.attempt, clock_.now_ms(), (*job)->seq);
    if (!s) return s.error();
    auto duration = db.query_int("SELECT placed_samples FROM jobs WHERE seq = ?", (*job)->seq);
    if (!duration) return duration.take_error();
    s = append_event(db, events_, (*job)->seq, job_completed_event(duration->value_or(0)),
                     clock_.now_ms());
    if (!s) return s.error();
    return ReportOutcome::kAccepted;
  });
}

Status SqliteJobStore::release(const Task& task) {
  return db_->write([&](Connection& db) -> Status {
    auto job = find_job_row(db, task.job_id);
    if (!job) return job.take_error();
    if (!*job) return Status::success();  // nothing left to give back
    auto live = find_task_row(db, (*job)->seq, task);
    if (!live) return live.take_error();
    if (!holds_lease(*live, task)) return Status::success();
    const int64_t now = clock_.now_ms();
    // The attempt number stays: it is a fencing token and must never be handed out twice.
    auto s = db.run(
        "UPDATE tasks SET state = ?, worker_id = '', due_ms = ?, claims = claims - 1 WHERE id = ?",
        code(TaskState::kWaiting), now, (*live)->id);
    if (!s) return s;
    if (task.kind == TaskKind::kBlock) {
      s = db.run("UPDATE blocks SET status = ? WHERE job_seq = ? AND idx = ?",
                 code(BlockStatus::kQueued), (*job)->seq, task.block_index);
      if (!s) return s;
    }
    due_.lower(now);
    return Status::success();
  });
}

void SqliteJobStore::interrupt() { due_.interrupt(); }

}  // namespace polyvox::sqlite
