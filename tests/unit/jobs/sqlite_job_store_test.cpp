// What only the SQLite backend does: schema versions, file errors, and taking a dead process's
// leases back at once in embedded mode.
#include <sqlite3.h>

#include "auth/api_key_secret.h"
#include "core/word_timing.h"
#include "jobs/sqlite/sqlite_schema.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::make_job;
using test_support::result_for;

TEST(SqliteJobStoreTest, ReopenInEmbeddedModeExpiresTheDeadProcessesLeasesAtOnce) {
  test_support::TempDir dir;
  ManualClock clock;
  auto open = [&](bool expire_leases_at_open) {
    auto db = sqlite::Database::open({.path = dir / "polyvox.db"});
    EXPECT_TRUE(db.ok());
    auto store = sqlite::SqliteJobStore::open(
        *db, {.clock = &clock, .expire_leases_at_open = expire_leases_at_open});
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  };
  auto store = open(false);
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store->create_job(job).ok());
  auto orphaned = store->claim("worker-1", 60'000, 0);
  ASSERT_TRUE(orphaned.ok() && orphaned->has_value());
  store.reset();

  store = open(/*expire_leases_at_open=*/true);

  auto reclaimed = store->claim("worker-2", 60'000, 0);  // no waiting for the lease
  ASSERT_TRUE(reclaimed.ok() && reclaimed->has_value());
  EXPECT_EQ((*reclaimed)->block_index, (*orphaned)->block_index);
  EXPECT_EQ((*reclaimed)->attempt, (*orphaned)->attempt + 1);
  EXPECT_EQ(store->complete_block(**orphaned, result_for(**orphaned))->outcome,
            ReportOutcome::kRefused);
  EXPECT_EQ(store->complete_block(**reclaimed, result_for(**reclaimed))->outcome,
            ReportOutcome::kAccepted);
}

TEST(SqliteJobStoreTest, DatabaseOfANewerSchemaIsRefused) {
  test_support::TempDir dir;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "polyvox.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);

  auto db = sqlite::Database::open({.path = dir / "polyvox.db"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kInternal);
  EXPECT_NE(db.error().message.find("newer"), std::string::npos);
}

TEST(SqliteJobStoreTest, BlocksWrittenBeforeSpeedAndInstructionsExistedSpeakAtOneAsConfigured) {
  test_support::TempDir dir;
  {
    // The file as the previous binary (schema version 7) left it, with one job of one block.
    auto db = sqlite::Connection::open(dir / "polyvox.db", {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE(sqlite::migrate_to(**db, 7).ok());
    ASSERT_TRUE((*db)
                    ->exec(R"sql(
      INSERT INTO jobs (id, owner, project_id, output_format, status, blocks_total,
                        created_at_ms, updated_at_ms) VALUES ('job-a', 'u1', '', 'mp3', 0, 1, 1, 1);
      INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic)
        VALUES (1, 0, 'Hello', 0, 'espeak', 'default', 0);
    )sql")
                    .ok());
  }
  auto db = sqlite::Database::open({.path = dir / "polyvox.db"});
  ASSERT_TRUE(db.ok()) << db.error().message;
  ManualClock clock;
  auto store = sqlite::SqliteJobStore::open(*db, {.clock = &clock});
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto job = (*store)->get_job("job-a", true);
  ASSERT_TRUE(job.ok()) << job.error().message;
  ASSERT_EQ(job->blocks.size(), 1u);
  EXPECT_EQ(job->blocks[0].spec.text, "Hello");
  EXPECT_EQ(job->blocks[0].spec.speed, 1.0);
  EXPECT_EQ(job->blocks[0].spec.instructions, "");
  EXPECT_EQ(job->blocks[0].spec.speaker, "");
}

TEST(SqliteJobStoreTest, UnopenableFileIsUnavailable) {
  test_support::TempDir dir;
  auto db = sqlite::Database::open({.path = dir / "missing-dir" / "polyvox.db"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kUnavailable);
}

// A database file as a binary of schema `version` left it, holding what `sql` wrote.
void write_file_at_version(const test_support::TempDir& dir, int version, const char* sql) {
  auto db = sqlite::Connection::open(dir / "polyvox.db", {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(sqlite::migrate_to(**db, version).ok());
  ASSERT_TRUE((*db)->exec(sql).ok());
}

// The stores over the file write_file_at_version left, migrated as they open; `clock` must
// outlive them. Null (and the test failed) when they cannot open.
std::shared_ptr<sqlite::SqliteBackend> open_migrated(const test_support::TempDir& dir,
                                                     ManualClock& clock) {
  auto backend = sqlite::open_sqlite_backend({.path = dir / "polyvox.db"}, {.clock = &clock});
  EXPECT_TRUE(backend.ok()) << backend.error().message;
  return backend.ok() ? *backend : nullptr;
}

// A file of schema version 3 had no counter of waiting tasks: the migration counts the tasks it
// holds once (waiting and retrying, not leased), and the triggers keep the count from then on.
TEST(SqliteJobStoreTest, MigrationCountsTheWaitingTasksOfAnOlderFile) {
  test_support::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(write_file_at_version(dir, 3, R"sql(
      INSERT INTO jobs (seq, id, owner, project_id, output_format, status, blocks_total,
                        created_at_ms, updated_at_ms)
        VALUES (1, 'job-a', 'alice', '', 'mp3', 1, 4, 1, 1);
      INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic)
        VALUES (1, 0, 'a', 0, 'espeak', 'en', 0), (1, 1, 'b', 0, 'espeak', 'en', 0),
               (1, 2, 'c', 0, 'espeak', 'en', 0), (1, 3, 'd', 0, 'espeak', 'en', 0);
      INSERT INTO tasks (job_seq, kind, block_index, state, due_ms)
        VALUES (1, 0, 0, 0, 1), (1, 0, 1, 1, 9e15), (1, 0, 2, 2, 9e15), (1, 0, 3, 0, 1);
    )sql"));
  ManualClock clock;
  auto backend = open_migrated(dir, clock);
  ASSERT_TRUE(backend);
  sqlite::SqliteJobStore& store = *backend->jobs;
  EXPECT_EQ(store.counts()->queue_depth, 3u);
  auto task = store.claim("worker-1", 60'000, 0);
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_EQ(store.counts()->queue_depth, 2u);
  ASSERT_TRUE(store.cancel_job("job-a").ok());
  EXPECT_EQ(store.counts()->queue_depth, 0u);
}

// A file of schema version 7 counted inserted tasks with a trigger per row; from version 8 the
// inserting statements count them, once per job: tasks of the old file and of new jobs, the
// assembly task included, are each counted exactly once.
TEST(SqliteJobStoreTest, WaitingTasksAreCountedOnceAcrossTheVersion8Migration) {
  test_support::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(write_file_at_version(dir, 7, R"sql(
      INSERT INTO jobs (seq, id, owner, project_id, output_format, status, blocks_total,
                        created_at_ms, updated_at_ms)
        VALUES (1, 'job-a', 'alice', '', 'mp3', 1, 2, 1, 1);
      INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic)
        VALUES (1, 0, 'a', 0, 'espeak', 'en', 0), (1, 1, 'b', 0, 'espeak', 'en', 0);
      INSERT INTO tasks (job_seq, kind, block_index, state, due_ms)
        VALUES (1, 0, 0, 0, 1), (1, 0, 1, 0, 1);
    )sql"));
  ManualClock clock;
  auto backend = open_migrated(dir, clock);
  ASSERT_TRUE(backend);
  sqlite::SqliteJobStore& store = *backend->jobs;
  EXPECT_EQ(store.counts()->queue_depth, 2u);
  // Job a's two blocks done (claimed before any new job's: an interactive one would go first):
  // its assembly task is inserted and counted.
  for (int i = 0; i < 2; ++i) {
    auto task = store.claim("worker-1", 60'000, 0);
    ASSERT_TRUE(task.ok() && task->has_value());
    ASSERT_EQ((*task)->job_id, "job-a");
    BlockResult result;
    result.segment_key = "k";
    ASSERT_EQ(store.complete_block(**task, result)->outcome, ReportOutcome::kAccepted);
  }
  EXPECT_EQ(store.counts()->queue_depth, 1u);  // job a's assembly
  ASSERT_TRUE(store.create_job(make_job("bob", 3)).ok());
  EXPECT_EQ(store.counts()->queue_depth, 4u);  // and bob's 3 blocks
}

// A file of schema version 17 had no turns: the migration gives each owner its turn with its
// live block tasks and unfinished jobs, so that claims take turns between the owners of the
// tasks it holds and the quotas count its work.
TEST(SqliteJobStoreTest, MigrationGivesTheTasksOfAnOlderFileTheirOwnersTurns) {
  test_support::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(write_file_at_version(dir, 17, R"sql(
      INSERT INTO jobs (seq, id, owner, project_id, output_format, status, blocks_total,
                        created_at_ms, updated_at_ms)
        VALUES (1, 'job-a1', 'alice', '', 'mp3', 1, 2, 1, 1),
               (2, 'job-a2', 'alice', '', 'mp3', 0, 1, 1, 1),
               (3, 'job-b', 'bob', '', 'mp3', 0, 1, 1, 1),
               (4, 'job-c', 'carol', '', 'mp3', 2, 1, 1, 1);
      INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic)
        VALUES (1, 0, 'a', 0, 'espeak', 'en', 0), (1, 1, 'b', 0, 'espeak', 'en', 0),
               (2, 0, 'c', 0, 'espeak', 'en', 0), (3, 0, 'd', 0, 'espeak', 'en', 0),
               (4, 0, 'e', 0, 'espeak', 'en', 0);
      INSERT INTO tasks (job_seq, kind, block_index, state, due_ms)
        VALUES (1, 0, 0, 1, 9e15), (1, 0, 1, 0, 1), (2, 0, 0, 0, 2), (3, 0, 0, 0, 3);
    )sql"));
  ManualClock clock;
  auto backend = open_migrated(dir, clock);
  ASSERT_TRUE(backend);
  sqlite::SqliteJobStore& store = *backend->jobs;
  // Alice has 2 unfinished jobs and 3 blocks not done; carol's job is finished.
  NewJob alice = make_job("alice", 1);
  alice.quota.max_queued_jobs = 2;
  auto refused = store.create_job(alice);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "max_queued_jobs");
  alice.quota = {.max_queued_blocks = 3};
  refused = store.create_job(alice);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "max_queued_blocks");
  NewJob carol = make_job("carol", 1);
  carol.quota.max_queued_jobs = 1;
  ASSERT_TRUE(store.create_job(carol).ok());
  // Alice's and bob's old tasks are batch work, behind carol's 1-block job; then alice and bob
  // take turns although alice's tasks are due first.
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto task = store.claim("worker-1", 60'000, 0);
    ASSERT_TRUE(task.ok() && task->has_value()) << i;
    order.push_back((*task)->job_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{carol.id, "job-a1", "job-b", "job-a2"}));
  auto none = store.claim("worker-1", 60'000, 0);  // alice's leased task is not due
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// A file of schema version 6 (before API keys) gets the key table and the trigger that deletes
// keys with their user; its users stay.
TEST(SqliteJobStoreTest, MigrationAddsApiKeysToAnOlderFile) {
  test_support::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(
      write_file_at_version(dir, 6,
                            "INSERT INTO users (id, name, password_hash, admin, created_at_ms) "
                            "VALUES ('u-1', 'alice', 'h', 0, 1)"));
  ManualClock clock;
  auto backend = open_migrated(dir, clock);
  ASSERT_TRUE(backend);
  const NewApiKeySecret secret = new_api_key_secret();
  ASSERT_TRUE(
      backend->api_keys
          ->add_key(ApiKey{"k-1", "u-1", "ci", secret.display_prefix, secret.hash, 1, 0, 0}, 10)
          .ok());
  ASSERT_TRUE(backend->api_keys->find_key_by_hash(secret.hash)->has_value());
  ASSERT_TRUE(backend->users->remove_user("alice").ok());
  EXPECT_FALSE(backend->api_keys->find_key_by_hash(secret.hash)->has_value());
}

// A block done before word timings existed has none (its manifest says timing_source "").
TEST(SqliteJobStoreTest, BlocksDoneBeforeTimingsExistedHaveNone) {
  test_support::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(write_file_at_version(dir, 14, R"sql(
      INSERT INTO jobs (seq, id, owner, project_id, output_format, status, blocks_total,
                        blocks_done, created_at_ms, updated_at_ms)
        VALUES (1, 'job-a', 'u1', '', 'mp3', 1, 1, 1, 1, 1);
      INSERT INTO blocks (job_seq, idx, text, wait_after_ms, provider, voice, arabic, status,
                          segment_key, speech_samples, pause_samples, result_provider,
                          result_voice_id)
        VALUES (1, 0, 'Hello', 0, 'espeak', 'default', 0, 2, 'seg', 10, 0, 'espeak', 'en');
    )sql"));
  ManualClock clock;
  auto backend = open_migrated(dir, clock);
  ASSERT_TRUE(backend);
  auto job = backend->jobs->get_job("job-a", true);
  ASSERT_TRUE(job.ok()) << job.error().message;
  ASSERT_TRUE(job->blocks[0].result.has_value());
  EXPECT_EQ(job->blocks[0].result->segment_key, "seg");
  EXPECT_EQ(job->blocks[0].result->timing_json, "");
  EXPECT_EQ(BlockTimings::from_json(job->blocks[0].result->timing_json), BlockTimings{});
  EXPECT_EQ(job->blocks[0].spec.speaker, "");
}

}  // namespace
}  // namespace polyvox
