#include "jobs/sqlite/sqlite_schema.h"

#include <string>
#include <vector>

#include "core/ids.h"

namespace polyvox::sqlite {
namespace {

// Version 1. Statuses and kinds are stored as the integers of their enums (JobStatus,
// BlockStatus, TaskKind): compact, and the order of JobStatus puts every finished status at >= 2,
// which the partial index jobs_finished relies on.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY,            -- insertion order: "newest first" is seq DESC
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  project_id TEXT NOT NULL,
  output_format TEXT NOT NULL,
  status INTEGER NOT NULL,
  blocks_total INTEGER NOT NULL,
  blocks_done INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  assembly_enqueued INTEGER NOT NULL DEFAULT 0,  -- set once, by the completion of the last block
  assembly_attempt INTEGER,                      -- the attempt whose assembly was recorded
  result_key TEXT,
  manifest_json TEXT,
  result_bytes INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX jobs_by_owner ON jobs(owner, seq);
CREATE INDEX jobs_finished ON jobs(updated_at_ms) WHERE status >= 2;

CREATE TABLE blocks (
  job_seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  text TEXT NOT NULL,
  wait_after_ms INTEGER NOT NULL,
  provider TEXT NOT NULL,
  voice TEXT NOT NULL,
  arabic INTEGER NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  reported_attempt INTEGER,  -- the attempt whose completion or final failure was recorded
  segment_key TEXT,
  speech_samples INTEGER,
  pause_samples INTEGER,
  result_provider TEXT,
  result_voice_id TEXT,
  PRIMARY KEY (job_seq, idx)
);

-- Live tasks only: a task row is deleted when its work is recorded or withdrawn. `due_ms` is
-- when a waiting task may be claimed, or when a leased task's lease expires; both are claimable
-- once due, so one index serves claim().
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  job_seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  block_index INTEGER NOT NULL,      -- -1 for the assembly task
  state INTEGER NOT NULL,            -- 0 waiting, 1 leased, 2 waiting for a retry
  attempt INTEGER NOT NULL DEFAULT 0,  -- the fencing token of the latest claim
  claims INTEGER NOT NULL DEFAULT 0,   -- claims not given back by release(): the poison counter
  worker_id TEXT NOT NULL DEFAULT '',
  due_ms INTEGER NOT NULL,
  UNIQUE (job_seq, kind, block_index)  -- at most one assembly task per job, by construction
);
CREATE INDEX tasks_by_due ON tasks(due_ms);

-- Figures for /metrics kept by triggers, so that counts() does not scan the jobs.
-- jobs.N: jobs whose status is N now; blocks_done/blocks_failed: cumulative.
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters VALUES ('jobs.0', 0), ('jobs.1', 0), ('jobs.2', 0), ('jobs.3', 0),
  ('jobs.4', 0), ('blocks_done', 0), ('blocks_failed', 0);
CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'jobs.' || new.status;
END;
CREATE TRIGGER jobs_counted_on_status AFTER UPDATE OF status ON jobs
WHEN old.status != new.status BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'jobs.' || old.status;
  UPDATE counters SET value = value + 1 WHERE name = 'jobs.' || new.status;
END;
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'jobs.' || old.status;
END;
CREATE TRIGGER blocks_counted_done AFTER UPDATE OF status ON blocks
WHEN new.status = 2 AND old.status != 2 BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'blocks_done';
END;
CREATE TRIGGER blocks_counted_failed AFTER UPDATE OF status ON blocks
WHEN new.status = 3 AND old.status != 3 BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'blocks_failed';
END;

CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  admin INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: a block's fallback voices and cache flag, what each block cost (usage_json:
// core/usage.h's JSON), and usage per user and provider, kept when jobs are deleted.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE blocks ADD COLUMN fallback_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE blocks ADD COLUMN cache INTEGER NOT NULL DEFAULT 1;
ALTER TABLE blocks ADD COLUMN usage_json TEXT;
CREATE TABLE usage (
  owner TEXT NOT NULL,
  provider TEXT NOT NULL,
  calls INTEGER NOT NULL DEFAULT 0,
  characters INTEGER NOT NULL DEFAULT 0,
  cache_hits INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, provider)
) WITHOUT ROWID;
)sql";

// Version 3: users known by a stable id, and a token version per user; jobs and usage owned by
// the id (owner), keeping the name they were submitted under (owner_name) for display. Rows of
// a name that no longer names a user go to the id 'removed:<name>', which no user can have: a
// user added again under that name does not get them. Users get their ids in between (C++:
// SQLite has no UUID function, and randomblob() in a flattened subquery may run twice per row).
constexpr const char* kVersion3Users = R"sql(
CREATE TABLE users_v3 (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  admin INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  token_version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";
constexpr const char* kVersion3Owners = R"sql(
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
ALTER TABLE jobs ADD COLUMN owner_name TEXT NOT NULL DEFAULT '';
UPDATE jobs SET owner_name = owner,
  owner = coalesce((SELECT id FROM users WHERE name = jobs.owner), 'removed:' || jobs.owner);
ALTER TABLE usage ADD COLUMN owner_name TEXT NOT NULL DEFAULT '';
UPDATE usage SET owner_name = owner,
  owner = coalesce((SELECT id FROM users WHERE name = usage.owner), 'removed:' || usage.owner);
)sql";

// Version 6: webhooks. Where a job's end is POSTed (job_webhooks, written with the job), the
// deliveries waiting to be sent (the outbox: sqlite_webhook_outbox.h), and each user's secret.
// The outbox row is written by a trigger on the job's status, so that whichever statement
// finishes a job (completion, failure, cancellation, the poison limit) writes its delivery in
// the same transaction. A delivery's `due_ms` is when it may be sent, or when its lease expires
// (`leased` = 1); `lease` is the fencing token of the latest claim.
constexpr const char* kWebhooks = R"sql(
CREATE TABLE job_webhooks (
  job_seq INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  base_url TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  url TEXT NOT NULL,
  base_url TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  due_ms INTEGER NOT NULL,
  leased INTEGER NOT NULL DEFAULT 0,
  lease INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_due ON webhook_deliveries(due_ms);
CREATE TRIGGER jobs_webhook_on_finish AFTER UPDATE OF status ON jobs
WHEN new.status >= 2 AND old.status < 2 BEGIN
  INSERT OR IGNORE INTO webhook_deliveries
    (id, job_id, owner, url, base_url, created_at_ms, due_ms)
  SELECT 'msg_' || new.id, new.id, new.owner, w.url, w.base_url, new.updated_at_ms,
    new.updated_at_ms
  FROM job_webhooks w WHERE w.job_seq = new.seq;
END;
CREATE TRIGGER jobs_webhook_on_delete AFTER DELETE ON jobs BEGIN
  DELETE FROM job_webhooks WHERE job_seq = old.seq;
END;
CREATE TABLE webhook_secrets (
  user_id TEXT PRIMARY KEY,
  secret TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER users_webhook_secret_on_delete AFTER DELETE ON users BEGIN
  DELETE FROM webhook_secrets WHERE user_id = old.id;
END;
)sql";

// Version 7: API keys (sqlite_api_key_store.h), by the SHA-256 of their text (never the text),
// deleted with their user by a trigger. 0 in expires_at_ms / last_used_at_ms: never.
constexpr const char* kApiKeys = R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL DEFAULT 0,
  last_used_at_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX api_keys_by_user ON api_keys(user_id, created_at_ms);
CREATE TRIGGER users_api_keys_on_delete AFTER DELETE ON users BEGIN
  DELETE FROM api_keys WHERE user_id = old.id;
END;
)sql";

// Version 10: each block's speed (core/job.h: BlockSpec::speed); blocks written before it spoke
// at 1.0.
constexpr const char* kBlockSpeed = R"sql(
ALTER TABLE blocks ADD COLUMN speed REAL NOT NULL DEFAULT 1.0;
)sql";

// Version 12: each block's instructions (core/job.h: BlockSpec::instructions); blocks written
// before it had none.
constexpr const char* kBlockInstructions = R"sql(
ALTER TABLE blocks ADD COLUMN instructions TEXT NOT NULL DEFAULT '';
)sql";

Status to_version_3(Connection& db) {
  if (auto s = db.exec(kVersion3Users); !s) return s;
  std::vector<std::string> names;
  auto s = db.for_each_row("SELECT name FROM users",
                           [&](const Statement& row) { names.push_back(row.text(0)); });
  if (!s) return s;
  for (const std::string& name : names) {
    s = db.run(
        "INSERT INTO users_v3 (id, name, password_hash, admin, created_at_ms) "
        "SELECT ?, name, password_hash, admin, created_at_ms FROM users WHERE name = ?",
        new_uuid4(), name);
    if (!s) return s;
  }
  return db.exec(kVersion3Owners);
}

// Version 4: the tasks waiting to be claimed (waiting or waiting for a retry: every state but
// leased) counted by triggers too, so that /metrics reads its queue depth from `counters` instead
// of counting the tasks. Counted once here, from the tasks the file holds.
constexpr const char* kWaitingTaskCounter = R"sql(
INSERT INTO counters SELECT 'tasks.waiting', count(*) FROM tasks WHERE state != 1;
CREATE TRIGGER tasks_counted_on_insert AFTER INSERT ON tasks WHEN new.state != 1 BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'tasks.waiting';
END;
CREATE TRIGGER tasks_counted_on_delete AFTER DELETE ON tasks WHEN old.state != 1 BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'tasks.waiting';
END;
CREATE TRIGGER tasks_counted_on_state AFTER UPDATE OF state ON tasks
WHEN (old.state = 1) != (new.state = 1) BEGIN
  UPDATE counters SET value = value + iif(new.state = 1, -1, 1) WHERE name = 'tasks.waiting';
END;
)sql";

// Version 5: each job's event log (jobs/job_events.h), and how far its blocks are placed (the
// leading blocks that are all done, and the samples they span).
constexpr const char* kEventLog = R"sql(
CREATE TABLE job_events (
  job_seq INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (job_seq, seq)
) WITHOUT ROWID;
ALTER TABLE jobs ADD COLUMN blocks_placed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN placed_samples INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 8: tasks inserted are counted by the statements that insert them, once per job
// (jobs/sqlite/job_rows.h: count_new_waiting_tasks), not by a trigger per row: the trigger's
// sub-program per task made creating a job half as fast. Deletes and state changes stay counted
// by their triggers (one row each, on paths that touch that row anyway).
constexpr const char* kWaitingCountedByInserts = R"sql(
DROP TRIGGER tasks_counted_on_insert;
)sql";

// Version 9: a job's sample rate and bitrate as submitted (core/job.h; 0: the default, which is
// what every job stored before had).
constexpr const char* kOutputSettings = R"sql(
ALTER TABLE jobs ADD COLUMN sample_rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN bitrate_kbps INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 11: the studio's sessions (sqlite_session_store.h), by the SHA-256 of their secret
// (never the secret), deleted with their user by a trigger and when expired by the next insert.
constexpr const char* kSessions = R"sql(
CREATE TABLE sessions (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  token_version INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions(expires_at_ms);
CREATE TRIGGER users_sessions_on_delete AFTER DELETE ON users BEGIN
  DELETE FROM sessions WHERE user_id = old.id;
END;
)sql";

// Version 13: what an Arabic block actually spoke, its diacritized text (NULL for other blocks
// and for blocks done before).
constexpr const char* kSpokenText = R"sql(
ALTER TABLE blocks ADD COLUMN spoken_text TEXT;
)sql";

// Version 14: the job a job revises (POST /jobs/{id}/revisions; '' for an original and every
// job stored before). Read by id only (a revision chain is walked from its newest job up), so not
// indexed.
constexpr const char* kRevisions = R"sql(
ALTER TABLE jobs ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
)sql";

// Version 15: each block's speaker (core/job.h: BlockSpec::speaker, '' = none) and the word timings
// its rendering produced (core/word_timing.h: BlockTimings::to_json; NULL until it is done, and for
// blocks done before timings existed).
constexpr const char* kBlockSpeakerAndTimings = R"sql(
ALTER TABLE blocks ADD COLUMN speaker TEXT NOT NULL DEFAULT '';
ALTER TABLE blocks ADD COLUMN timing_json TEXT;
)sql";

// Version 16: each block's chapter title, each job's delivery profile and cover (core/job.h); ''
// for everything stored before: no chapter, the server-wide loudness, no cover.
constexpr const char* kChaptersAndProfiles = R"sql(
ALTER TABLE blocks ADD COLUMN chapter TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN cover_url TEXT NOT NULL DEFAULT '';
)sql";

// Version 17: whether a job was submitted as interactive (JobSpec::interactive).
constexpr const char* kInteractiveJobs = R"sql(
ALTER TABLE jobs ADD COLUMN interactive INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 18: fair claims and the per-owner counts quotas read. Each task carries its lane (0
// assembly, 1 interactive, 2 batch) and its owner's turn (user_turns.id; 0 for assemblies), and
// one index on (lane, turn, due_ms) replaces tasks_by_due: a claim seeks the owner's due task
// in the lane, the earliest due task overall is a seek per active owner, and a task costs no
// more index entries than before. user_turns holds, per owner, when it was last served (a claim
// takes the due task of the owner with the lowest `served`, then raises it above everyone's),
// its live block tasks (create_job adds a job's at once, a trigger counts deletions) and its
// unfinished jobs (create_job adds one, triggers count finished and deleted ones): the quotas
// read them instead of counting jobs. `active` (live block tasks > 0) is set apart from the
// counts and changes only when the owner starts or stops having tasks, so that counting a job or
// a task does not rewrite the index of active owners. Tasks already queued are batch work.
constexpr const char* kFairClaims = R"sql(
CREATE TABLE user_turns (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL UNIQUE,
  served INTEGER NOT NULL DEFAULT 0,
  tasks INTEGER NOT NULL DEFAULT 0,
  jobs INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX user_turns_active ON user_turns(served) WHERE active = 1;
INSERT INTO user_turns (owner, jobs) SELECT owner, count(*) FROM jobs WHERE status < 2
  GROUP BY owner;
UPDATE user_turns SET tasks = (SELECT count(*) FROM tasks t JOIN jobs j ON j.seq = t.job_seq
  WHERE t.kind = 0 AND j.owner = user_turns.owner);
UPDATE user_turns SET active = 1 WHERE tasks > 0;
ALTER TABLE tasks ADD COLUMN lane INTEGER NOT NULL DEFAULT 2;
ALTER TABLE tasks ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET lane = 0 WHERE kind = 1;
UPDATE tasks SET turn = coalesce((SELECT u.id FROM user_turns u JOIN jobs j ON j.owner = u.owner
  WHERE j.seq = tasks.job_seq), 0) WHERE kind = 0;
DROP INDEX tasks_by_due;
CREATE INDEX tasks_by_turn ON tasks(lane, turn, due_ms);
CREATE TRIGGER tasks_turns_on_delete AFTER DELETE ON tasks WHEN old.lane > 0 BEGIN
  UPDATE user_turns SET tasks = tasks - 1 WHERE id = old.turn;
  UPDATE user_turns SET active = 0 WHERE id = old.turn AND active = 1 AND tasks <= 0;
END;
CREATE TRIGGER jobs_turns_on_finish AFTER UPDATE OF status ON jobs
WHEN new.status >= 2 AND old.status < 2 BEGIN
  UPDATE user_turns SET jobs = jobs - 1 WHERE owner = new.owner;
END;
CREATE TRIGGER jobs_turns_on_delete AFTER DELETE ON jobs WHEN old.status < 2 BEGIN
  UPDATE user_turns SET jobs = jobs - 1 WHERE owner = old.owner;
END;
)sql";

// Version 19: quotas (core/quota.h). Each user's overrides (NULL: the deployment's limit, -1:
// unlimited) and the characters each owner submitted per UTC day; queued jobs and blocks are
// user_turns' counts (version 18).
constexpr const char* kQuotas = R"sql(
ALTER TABLE users ADD COLUMN max_queued_jobs INTEGER;
ALTER TABLE users ADD COLUMN max_queued_blocks INTEGER;
ALTER TABLE users ADD COLUMN max_chars_per_day INTEGER;
CREATE TABLE daily_chars (
  owner TEXT NOT NULL,
  day INTEGER NOT NULL,  -- days since the epoch, UTC
  chars INTEGER NOT NULL,
  PRIMARY KEY (owner, day)
) WITHOUT ROWID;
)sql";

// Version 20: each task's transient failures (TaskQueue's Task::failures, the retry budget),
// apart from its claims (the poison counter), which shutdowns and expired leases also count.
constexpr const char* kTaskFailures = R"sql(
ALTER TABLE tasks ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 21: leases past their expiry are found first by claims (next_due_task), by a seek.
constexpr const char* kLeasedByDue = R"sql(
CREATE INDEX tasks_leased_by_due ON tasks(due_ms) WHERE state = 1;
)sql";

// kMigrations[i] takes the schema from version i to i + 1.
using Migration = Status (*)(Connection&);
constexpr Migration kMigrations[] = {
    [](Connection& db) { return db.exec(kVersion1); },
    [](Connection& db) { return db.exec(kVersion2); },
    to_version_3,
    [](Connection& db) { return db.exec(kWaitingTaskCounter); },
    [](Connection& db) { return db.exec(kEventLog); },
    [](Connection& db) { return db.exec(kWebhooks); },
    [](Connection& db) { return db.exec(kApiKeys); },
    [](Connection& db) { return db.exec(kWaitingCountedByInserts); },
    [](Connection& db) { return db.exec(kOutputSettings); },
    [](Connection& db) { return db.exec(kBlockSpeed); },
    [](Connection& db) { return db.exec(kSessions); },
    [](Connection& db) { return db.exec(kBlockInstructions); },
    [](Connection& db) { return db.exec(kSpokenText); },
    [](Connection& db) { return db.exec(kRevisions); },
    [](Connection& db) { return db.exec(kBlockSpeakerAndTimings); },
    [](Connection& db) { return db.exec(kChaptersAndProfiles); },
    [](Connection& db) { return db.exec(kInteractiveJobs); },
    [](Connection& db) { return db.exec(kFairClaims); },
    [](Connection& db) { return db.exec(kQuotas); },
    [](Connection& db) { return db.exec(kTaskFailures); },
    [](Connection& db) { return db.exec(kLeasedByDue); },
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

Status migrate(Connection& db) { return migrate_to(db, kSchemaVersion); }

Status migrate_to(Connection& db, int target) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto fail = [&db](Error error) {
    (void)db.exec("ROLLBACK");
    return Status(std::move(error));
  };
  // Read inside the write transaction: another process may have migrated meanwhile.
  auto version = db.query_int("PRAGMA user_version");
  if (!version) return fail(version.take_error());
  const int64_t current = version->value_or(0);
  if (current > kSchemaVersion) {
    return fail(Error{ErrorKind::kInternal,
                      "database schema version " + std::to_string(current) +
                          " is newer than this binary's (" + std::to_string(kSchemaVersion) + ")",
                      ""});
  }
  if (current >= target) return db.exec("COMMIT");
  for (int64_t v = current; v < target; ++v) {
    if (auto s = kMigrations[v](db); !s) return fail(s.error());
  }
  const std::string set_version = "PRAGMA user_version=" + std::to_string(target);
  if (auto s = db.exec(set_version.c_str()); !s) return fail(s.error());
  return db.exec("COMMIT");
}

}  // namespace polyvox::sqlite
