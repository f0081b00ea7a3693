// The JobStore half of SqliteJobStore; the TaskQueue half is sqlite_job_store_tasks.cpp.
#include "jobs/sqlite/sqlite_job_store.h"

#include <random>
#include <utility>

#include "jobs/sqlite/job_rows.h"

namespace polyvox::sqlite {
namespace {

// jobs_finished is a partial index on `status >= 2`; the planner uses it only when a query
// says so literally, hence the literal below and this check of the enum's order.
static_assert(code(JobStatus::kCompleted) == 2 && code(JobStatus::kFailed) == 3 &&
              code(JobStatus::kCancelled) == 4);

Error job_not_found(const std::string& id) {
  return Error{ErrorKind::kNotFound, "job " + id + " not found", ""};
}

// What another process's commits may stay unseen by get_job() (ReadCache), and how much the
// job cache keeps.
constexpr int64_t kCacheMaxAgeMs = 1000;
constexpr std::size_t kJobCacheMaxBytes = 8 << 20;

// How many owners' turn ids create_job remembers (then it forgets them all and starts again).
constexpr std::size_t kMaxRememberedTurns = 100'000;

std::size_t approximate_bytes(const std::optional<JobRecord>& record) {
  if (!record) return 64;
  std::size_t bytes = sizeof(JobRecord) + record->id.size() + record->owner.size() +
                      record->owner_name.size() + record->project_id.size() + record->error.size();
  if (record->result) bytes += record->result->manifest_json.size() + 256;
  for (const BlockRecord& b : record->blocks) {
    bytes += sizeof(BlockRecord) + b.spec.text.size() + b.spec.provider.size() +
             b.spec.voice.size() + b.error.size() + 64 * b.spec.fallback.size();
    if (b.result) bytes += sizeof(BlockResult) + 256;
  }
  return bytes;
}

// Refuses `job` when it would take its owner past a quota; otherwise counts its characters
// for the day. Runs in create_job's transaction, before the insert: quotas hold across processes
// sharing the file (the writer is one at a time).
Status admit_within_quota(Connection& db, const NewJob& job, int64_t now) {
  const QuotaLimits& quota = job.quota;
  if (!quota.max_queued_jobs && !quota.max_queued_blocks && !quota.max_chars_per_day) {
    return Status::success();
  }
  auto exists = db.query_int("SELECT 1 FROM jobs WHERE id = ?", job.id);
  if (!exists) return exists.take_error();
  if (*exists) return Status::success();  // a repeat: create_job answers it
  const auto blocks = static_cast<int64_t>(job.spec.blocks.size());
  if (quota.max_queued_jobs || quota.max_queued_blocks) {
    // The owner's unfinished jobs and live block tasks, kept by create_job and triggers.
    auto queued = db.query_row(
        "SELECT jobs, tasks FROM user_turns WHERE owner = ?",
        [](const Statement& row) { return std::pair(row.int64(0), row.int64(1)); }, job.owner);
    if (!queued) return queued.take_error();
    const auto [jobs, queued_blocks] = queued->value_or(std::pair<int64_t, int64_t>(0, 0));
    if (quota.max_queued_jobs && jobs + 1 > *quota.max_queued_jobs) {
      return quota_exceeded("max_queued_jobs", *quota.max_queued_jobs, jobs + 1,
                            kQueuedQuotaRetryAfterS);
    }
    if (quota.max_queued_blocks && queued_blocks + blocks > *quota.max_queued_blocks) {
      return quota_exceeded("max_queued_blocks", *quota.max_queued_blocks, queued_blocks + blocks,
                            kQueuedQuotaRetryAfterS);
    }
  }
  if (!quota.max_chars_per_day) return Status::success();
  const int64_t day = utc_day(now), chars = job_characters(job.spec);
  auto today =
      db.query_int("SELECT chars FROM daily_chars WHERE owner = ? AND day = ?", job.owner, day);
  if (!today) return today.take_error();
  const int64_t total = today->value_or(0) + chars;
  if (total > *quota.max_chars_per_day) {
    return quota_exceeded("max_chars_per_day", *quota.max_chars_per_day, total,
                          seconds_to_next_utc_day(now));
  }
  if (auto s = db.run("DELETE FROM daily_chars WHERE owner = ? AND day < ?", job.owner, day); !s) {
    return s;
  }
  return db.run(
      "INSERT INTO daily_chars (owner, day, chars) VALUES (?, ?, ?) "
      "ON CONFLICT (owner, day) DO UPDATE SET chars = chars + excluded.chars",
      job.owner, day, chars);
}

}  // namespace

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::open(std::shared_ptr<Database> db,
                                                             const JobStoreOptions& options) {
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(std::move(db), options));
  if (options.expire_leases_at_open) {
    auto s = store->db_->write([&](Connection& c) {
      return c.run("UPDATE tasks SET due_ms = ? WHERE state = ? AND due_ms > ?",
                   store->clock_.now_ms(), code(TaskState::kLeased), store->clock_.now_ms());
    });
    if (!s) return s.error();
  }
  // Tasks of a previous process: waiting ones are due, leased ones when their lease expires.
  auto next_due = store->db_->read([](Connection& c) { return earliest_task_due(c); });
  if (!next_due) return next_due.take_error();
  store->due_.lower(next_due->value_or(DueSignal::kNever));
  return store;
}

SqliteJobStore::SqliteJobStore(std::shared_ptr<Database> db, const JobStoreOptions& options)
    : clock_(options.clock != nullptr ? *options.clock : system_clock_),
      max_claims_(options.max_claims),
      interactive_max_blocks_(options.interactive_max_blocks),
      db_(std::move(db)),
      due_(clock_),
      job_cache_(clock_, kCacheMaxAgeMs, kJobCacheMaxBytes) {}

Result<JobRecord> SqliteJobStore::create_job(const NewJob& job) {
  // A job without blocks would never enqueue its assembly: it could never finish.
  if (job.spec.blocks.empty()) return invalid_input("blocks", "a job needs at least one block");
  return db_->write([&](Connection& db) -> Result<JobRecord> {
    const JobRecord record = queued_record(job, clock_.now_ms());
    if (Status quota = admit_within_quota(db, job, record.created_at_ms); !quota) {
      return quota.error();
    }
    auto s = db.run(
        "INSERT INTO jobs (id, owner, owner_name, project_id, output_format, sample_rate, "
        "bitrate_kbps, status, blocks_total, created_at_ms, updated_at_ms, parent_id, profile, "
        "cover_url, interactive) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO NOTHING",
        record.id, record.owner, record.owner_name, record.project_id,
        output_format_name(record.output_format), record.sample_rate, record.bitrate_kbps,
        code(record.status), record.blocks_total, record.created_at_ms, record.updated_at_ms,
        record.parent_id, std::string(delivery_profile_name(record.profile)), record.cover_url,
        record.interactive);
    if (!s) return s.error();
    if (db.changes() == 0) {
      // The id exists: this same submission (a repeat) is success, another one an error.
      auto stored = find_job(db, job.id, true);
      if (!stored) return stored.take_error();
      if (!*stored || !is_same_submission(**stored, job)) {
        return invalid_input("job_id", "a job with id " + job.id + " exists");
      }
      (*stored)->blocks.clear();
      return std::move(**stored);
    }
    const int64_t seq = db.last_insert_rowid();
    const int64_t lane =
        claims_interactively(job.spec, interactive_max_blocks_) ? kInteractiveLane : kBatchLane;
    // One write per job: the owner's turn (its row's id, which its tasks carry) gains the job
    // and its block tasks.
    auto turn = add_to_turn(db, job.owner, static_cast<int64_t>(job.spec.blocks.size()));
    if (!turn) return turn.take_error();
    if (!job.spec.webhook_url.empty()) {  // its delivery is written when the job finishes
      s = db.run("INSERT INTO job_webhooks (job_seq, url, base_url) VALUES (?, ?, ?)", seq,
                 job.spec.webhook_url, job.base_url);
      if (!s) return s.error();
    }
    for (std::size_t i = 0; i < job.spec.blocks.size(); ++i) {
      const BlockSpec& b = job.spec.blocks[i];
      s = db.run(
          "INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic, "
          "fallback_json, cache, speed, instructions, speaker, chapter) VALUES (?, ?, ?, ?, ?, ?, "
          "?, "
          "?, ?, ?, ?, ?, ?)",
          seq, i, b.text, b.wait_after_ms, b.provider, b.voice, b.arabic,
          fallback_to_json(b.fallback), b.cache, b.speed, b.instructions, b.speaker, b.chapter);
      if (!s) return s.error();
      s = db.run(
          "INSERT INTO tasks (job_seq, kind, block_index, state, due_ms, turn, lane) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          seq, code(TaskKind::kBlock), i, code(TaskState::kWaiting), record.created_at_ms, *turn,
          lane);
      if (!s) return s.error();
    }
    s = count_new_waiting_tasks(db, static_cast<int64_t>(job.spec.blocks.size()));
    if (!s) return s.error();
    due_.lower(record.created_at_ms);
    return record;
  });
}

Result<int64_t> SqliteJobStore::add_to_turn(Connection& db, const std::string& owner,
                                            int64_t tasks) {
  std::optional<int64_t> turn;
  if (auto known = turn_ids_.find(owner); known != turn_ids_.end()) {
    auto s = db.run(
        "UPDATE user_turns SET tasks = tasks + ?, jobs = jobs + 1 WHERE id = ? AND owner = ?",
        tasks, known->second, owner);
    if (!s) return s.error();
    if (db.changes() == 1) {
      turn = known->second;
    } else {
      turn_ids_.erase(known);
    }
  }
  if (!turn) {
    auto made = db.query_int(
        "INSERT INTO user_turns (owner, tasks, jobs) VALUES (?, ?, 1) "
        "ON CONFLICT (owner) DO UPDATE SET tasks = tasks + excluded.tasks, jobs = jobs + 1 "
        "RETURNING id",
        owner, tasks);
    if (!made) return made.take_error();
    if (!*made) return Error{ErrorKind::kInternal, "no turn for owner " + owner, ""};
    turn = **made;
    if (turn_ids_.size() >= kMaxRememberedTurns) turn_ids_.clear();
    turn_ids_.emplace(owner, *turn);
  }
  // Written only when the owner had no tasks: an active owner's index entry stays as it is.
  auto s = db.run("UPDATE user_turns SET active = 1 WHERE id = ? AND active = 0", *turn);
  if (!s) return s.error();
  return *turn;
}

Result<JobRecord> SqliteJobStore::get_job(const std::string& id, bool with_blocks) {
  auto job = job_cache_.get(
      *db_, with_blocks ? id + "+blocks" : id,
      [&](Connection& db) { return find_job(db, id, with_blocks); },
      [](const std::optional<JobRecord>& record) { return approximate_bytes(record); });
  if (!job) return job.take_error();
  if (!*job) return job_not_found(id);
  return std::move(**job);
}

Result<BlockWork> SqliteJobStore::get_block(const std::string& job_id, std::size_t index) {
  auto work = db_->read([&](Connection& db) { return find_block(db, job_id, index); });
  if (!work) return work.take_error();
  if (!*work) {
    return Error{ErrorKind::kNotFound, "no block " + std::to_string(index) + " in job " + job_id,
                 ""};
  }
  return std::move(**work);
}

Result<JobPage> SqliteJobStore::list_jobs(const std::string& owner, std::size_t offset,
                                          std::size_t limit) {
  return db_->read([&](Connection& db) { return list_job_page(db, owner, offset, limit); });
}

Result<JobEventLog> SqliteJobStore::job_events(const std::string& id, int64_t after_seq,
                                               std::size_t limit) {
  auto log = db_->read([&](Connection& db) { return read_job_events(db, id, after_seq, limit); });
  if (!log) return log.take_error();
  if (!*log) return job_not_found(id);
  return std::move(**log);
}

Result<JobRecord> SqliteJobStore::cancel_job(const std::string& id) {
  return db_->write([&](Connection& db) -> Result<JobRecord> {
    auto job = find_job_row(db, id);
    if (!job) return job.take_error();
    if (!*job) return job_not_found(id);
    if (!is_finished((*job)->status)) {
      if (auto s = withdraw_unfinished_work(db, (*job)->seq); !s) return s.error();
      const int64_t now = clock_.now_ms();
      auto s = db.run("UPDATE jobs SET status = ?, updated_at_ms = ? WHERE seq = ?",
                      code(JobStatus::kCancelled), now, (*job)->seq);
      if (!s) return s.error();
      s = append_event(db, events_, (*job)->seq, job_cancelled_event(), now);
      if (!s) return s.error();
    }
    auto record = find_job(db, id, false);
    if (!record) return record.take_error();
    return std::move(**record);
  });
}

Result<std::vector<std::string>> SqliteJobStore::delete_job(const std::string& id) {
  return db_->write([&](Connection& db) -> Result<std::vector<std::string>> {
    auto job = find_job_row(db, id);
    if (!job) return job.take_error();
    if (!*job) return job_not_found(id);
    const int64_t seq = (*job)->seq;
    if (!is_finished((*job)->status)) {
      return invalid_input("job_id", "job " + id + " is " + job_status_name((*job)->status) +
                                         ": cancel it before deleting it");
    }
    std::vector<std::string> keys;
    auto s = db.for_each_row(
        "SELECT segment_key FROM blocks WHERE job_seq = ?1 AND segment_key IS NOT NULL "
        "UNION ALL SELECT result_key FROM jobs WHERE seq = ?1 AND result_key IS NOT NULL",
        [&](const Statement& row) { keys.push_back(row.text(0)); }, seq);
    if (!s) return s.error();
    for (const char* sql :
         {"DELETE FROM tasks WHERE job_seq = ?", "DELETE FROM blocks WHERE job_seq = ?",
          "DELETE FROM job_events WHERE job_seq = ?", "DELETE FROM jobs WHERE seq = ?"}) {
      if (auto s = db.run(sql, seq); !s) return s.error();
    }
    return keys;
  });
}

Result<std::vector<std::string>> SqliteJobStore::finished_jobs_before(int64_t before_ms,
                                                                      std::size_t limit) {
  return db_->read([&](Connection& db) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    auto s = db.for_each_row(
        "SELECT id FROM jobs WHERE status >= 2 AND updated_at_ms < ? "
        "ORDER BY updated_at_ms LIMIT ?",
        [&](const Statement& row) { ids.push_back(row.text(0)); }, before_ms, sql_limit(limit));
    if (!s) return s.error();
    return ids;
  });
}

Result<std::vector<UserUsage>> SqliteJobStore::usage(const std::string& owner) {
  return db_->read([&](Connection& db) -> Result<std::vector<UserUsage>> {
    std::vector<UserUsage> users;
    auto collect = [&](const Statement& row) {
      const std::string id = row.text(0);
      if (users.empty() || users.back().owner != id) users.push_back({id, row.text(1), {}});
      ProviderUsage u;
      u.provider = row.text(2);
      u.calls = static_cast<uint64_t>(row.int64(3));
      u.characters = static_cast<uint64_t>(row.int64(4));
      u.cache_hits = static_cast<uint64_t>(row.int64(5));
      u.failures = static_cast<uint64_t>(row.int64(6));
      u.retries = static_cast<uint64_t>(row.int64(7));
      users.back().providers.push_back(std::move(u));
    };
    constexpr const char* kColumns =
        "SELECT owner, owner_name, provider, calls, characters, cache_hits, failures, retries "
        "FROM usage ";
    Status s = owner.empty()
                   ? db.for_each_row(std::string(kColumns) + "ORDER BY owner_name, owner, provider",
                                     collect)
                   : db.for_each_row(std::string(kColumns) + "WHERE owner = ? ORDER BY provider",
                                     collect, owner);
    if (!s) return s.error();
    return users;
  });
}

Result<StoreCounts> SqliteJobStore::counts() {
  return db_->read([&](Connection& db) -> Result<StoreCounts> {
    StoreCounts counts;
    for (int s = 0; s <= code(JobStatus::kCancelled); ++s) {
      counts.jobs[static_cast<JobStatus>(s)] = 0;
    }
    auto s = db.for_each_row("SELECT name, value FROM counters", [&](const Statement& row) {
      const std::string name = row.text(0);
      const auto value = static_cast<std::size_t>(row.int64(1));
      if (name == "blocks_done") {
        counts.blocks_done = value;
      } else if (name == "blocks_failed") {
        counts.blocks_failed = value;
      } else if (name == "tasks.waiting") {
        counts.queue_depth = value;
      } else if (name.starts_with("jobs.")) {
        counts.jobs[static_cast<JobStatus>(std::stoi(name.substr(5)))] = value;
      }
    });
    if (!s) return s.error();
    return counts;
  });
}

Result<std::string> SqliteJobStore::identity() {
  // A random number among the counters (no schema change): the first insert wins.
  const auto candidate = static_cast<int64_t>(std::random_device{}() & 0x7FFFFFFF) << 31 |
                         static_cast<int64_t>(std::random_device{}() & 0x7FFFFFFF);
  auto stored = db_->write([candidate](Connection& db) -> Result<int64_t> {
    if (Status s = db.run("INSERT OR IGNORE INTO counters VALUES ('store_identity', ?)", candidate);
        !s) {
      return s.error();
    }
    auto value = db.query_int("SELECT value FROM counters WHERE name = 'store_identity'");
    if (!value) return value.take_error();
    if (!*value) return Error{ErrorKind::kInternal, "the store's identity was not kept", ""};
    return **value;
  });
  if (!stored) return stored.take_error();
  return "sqlite-" + std::to_string(*stored);
}

bool SqliteJobStore::ping() {
  // Reads, and writes: a full disk leaves reads working while every job submitted fails.
  return db_->read([](Connection& db) { return db.query_int("SELECT 1"); }).ok() && db_->writable();
}

}  // namespace polyvox::sqlite
