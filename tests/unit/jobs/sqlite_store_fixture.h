// A SQLite job store in a temporary directory, on a ManualClock, for the jobs/sqlite tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "jobs/sqlite/sqlite_user_store.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox::test_support {

// A job of `blocks` blocks ("block 0", "block 1", ...) for `owner`.
inline NewJob make_job(const std::string& owner, std::size_t blocks) {
  NewJob job;
  job.id = new_uuid4();
  job.owner = owner;
  job.spec.project_id = "project-" + job.id.substr(0, 8);
  for (std::size_t i = 0; i < blocks; ++i) {
    BlockSpec block;
    block.text = "block " + std::to_string(i);
    block.wait_after_ms = static_cast<int>(100 * i);
    block.provider = "espeak";
    block.voice = i % 2 == 0 ? "default" : "en-us";
    block.arabic = i == 2;
    job.spec.blocks.push_back(block);
  }
  return job;
}

// What a worker reports for block `index` of a job: a segment key naming both.
inline BlockResult result_for(const Task& task) {
  return BlockResult{"segments/" + task.job_id + "/" + std::to_string(task.block_index) + ".mp3",
                     1000 + static_cast<int64_t>(task.block_index), 50, "espeak", "en"};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  static constexpr int64_t kLeaseMs = 30'000;

  void SetUp() override { reopen(); }

  // Closes the database and opens it again from its file, as a restarted process would.
  void reopen(int max_claims = 10, bool expire_leases_at_open = false) {
    store_.reset();
    users_.reset();
    db_.reset();
    auto db = sqlite::Database::open({.path = dir_ / "polyvox.db"});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = *db;
    auto store =
        sqlite::SqliteJobStore::open(db_, {.clock = &clock_,
                                           .max_claims = max_claims,
                                           .expire_leases_at_open = expire_leases_at_open});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    users_ = std::make_unique<sqlite::SqliteUserStore>(db_);
  }

  JobRecord create(const NewJob& job) {
    auto record = store_->create_job(job);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record.ok() ? *record : JobRecord{};
  }

  JobRecord get(const std::string& id) {
    auto record = store_->get_job(id, true);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record.ok() ? *record : JobRecord{};
  }

  // The next due task, which the test expects to exist.
  Task claim(const std::string& worker = "worker-1", int64_t lease_ms = kLeaseMs) {
    auto task = store_->claim(worker, lease_ms, 0);
    EXPECT_TRUE(task.ok()) << task.error().message;
    EXPECT_TRUE(task.ok() && task->has_value()) << "no task was due";
    return task.ok() && task->has_value() ? **task : Task{};
  }

  // True when no task is due now.
  bool nothing_due() {
    auto task = store_->claim("worker-idle", kLeaseMs, 0);
    EXPECT_TRUE(task.ok()) << task.error().message;
    return task.ok() && !task->has_value();
  }

  ReportOutcome complete(const Task& task) {
    auto done = store_->complete_block(task, result_for(task));
    EXPECT_TRUE(done.ok()) << done.error().message;
    return done.ok() ? done->outcome : ReportOutcome::kRefused;
  }

  ReportOutcome fail(const Task& task, const std::string& error,
                     std::optional<int64_t> retry_at_ms = std::nullopt) {
    auto outcome = store_->fail_task(task, error, retry_at_ms);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    return outcome.ok() ? *outcome : ReportOutcome::kRefused;
  }

  // Claims and completes every due task, assemblies included, until none is due.
  void run_every_due_task() {
    for (;;) {
      auto task = store_->claim("worker-drain", kLeaseMs, 0);
      ASSERT_TRUE(task.ok()) << task.error().message;
      if (!task->has_value()) return;
      const Task& t = **task;
      if (t.kind == TaskKind::kBlock) {
        ASSERT_EQ(complete(t), ReportOutcome::kAccepted);
      } else {
        auto done = store_->complete_assembly(t, {"results/" + t.job_id + ".mp3", "{}", 1234});
        ASSERT_TRUE(done.ok() && *done == ReportOutcome::kAccepted);
      }
    }
  }

  TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::SqliteJobStore> store_;
  std::unique_ptr<sqlite::SqliteUserStore> users_;
};

}  // namespace polyvox::test_support
