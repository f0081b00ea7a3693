// Every backend's figures for /metrics (JobStore::counts): kept where state changes, so they stay
// right through every transition (submit, claim, complete, retry, release, lease takeover, fail,
// cancel, delete, cleanup, reopen), and reading them costs the same whatever the store holds.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "storage/local_blob_store.h"
#include "unit/jobs/store_fixture.h"
#include "worker/cleanup.h"

namespace polyvox {
namespace {

using test_support::make_job;

class StoreCountsTest : public test_support::StoreTest {
 protected:
  struct Expected {
    std::size_t queued = 0, processing = 0, completed = 0, failed = 0, cancelled = 0;
    std::size_t blocks_done = 0, blocks_failed = 0, queue_depth = 0;
  };

  // counts() is `expected`, and its jobs by status are what listing every job finds.
  void expect_counts(const Expected& expected, const std::string& step) {
    SCOPED_TRACE(step);
    auto counts = jobs_->counts();
    ASSERT_TRUE(counts.ok()) << counts.error().message;
    EXPECT_EQ(counts->jobs.at(JobStatus::kQueued), expected.queued);
    EXPECT_EQ(counts->jobs.at(JobStatus::kProcessing), expected.processing);
    EXPECT_EQ(counts->jobs.at(JobStatus::kCompleted), expected.completed);
    EXPECT_EQ(counts->jobs.at(JobStatus::kFailed), expected.failed);
    EXPECT_EQ(counts->jobs.at(JobStatus::kCancelled), expected.cancelled);
    EXPECT_EQ(counts->blocks_done, expected.blocks_done);
    EXPECT_EQ(counts->blocks_failed, expected.blocks_failed);
    EXPECT_EQ(counts->queue_depth, expected.queue_depth);

    auto listed = jobs_->list_jobs("", 0, 1000);
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    std::map<JobStatus, std::size_t> scanned;
    for (const JobRecord& job : listed->jobs) ++scanned[job.status];
    for (const auto& [status, n] : counts->jobs) {
      EXPECT_EQ(n, scanned[status]) << job_status_name(status);
    }
  }

  // What one counts() costs the backend: SQLite virtual machine steps on this thread's read
  // connection (they grow with every row a statement visits); the Redis commands it sends, each
  // with its number of calls.
  std::string cost_of_counts() {
    if (is_redis()) {
      auto& server = test_support::shared_redis_server();
      server.command({"CONFIG", "RESETSTAT"});
      EXPECT_TRUE(jobs_->counts().ok());
      std::istringstream stats(server.command({"INFO", "commandstats"}));
      std::map<std::string, std::string> calls;  // by command name
      std::string line;
      while (std::getline(stats, line)) {
        if (!line.starts_with("cmdstat_")) continue;
        const std::string name = line.substr(8, line.find(':') - 8);
        // The test's own commands, and what a pooled connection may send when taken.
        if (name == "config|resetstat" || name == "info" || name == "ping") continue;
        const auto at = line.find("calls=") + 6;
        calls[name] = line.substr(at, line.find(',', at) - at);
      }
      std::string cost;
      for (const auto& [name, n] : calls) cost += name + "=" + n + " ";
      return cost;
    }
    auto backend = std::static_pointer_cast<sqlite::SqliteBackend>(stores_.owner);
    auto handle =
        backend->db->read([](sqlite::Connection& c) -> Result<sqlite3*> { return c.handle(); });
    EXPECT_TRUE(handle.ok());
    sqlite3* reader = *handle;
    const auto steps = [reader](bool reset) {
      int64_t total = 0;
      for (sqlite3_stmt* s = sqlite3_next_stmt(reader, nullptr); s != nullptr;
           s = sqlite3_next_stmt(reader, s)) {
        total += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, reset ? 1 : 0);
      }
      return total;
    };
    EXPECT_TRUE(jobs_->counts().ok());  // every statement it uses is prepared
    steps(true);
    EXPECT_TRUE(jobs_->counts().ok());
    return "vm_steps=" + std::to_string(steps(false));
  }
};
POLYVOX_ON_EVERY_BACKEND(StoreCountsTest);

TEST_P(StoreCountsTest, GaugesFollowEveryTransition) {
  Expected e;
  expect_counts(e, "empty");
  // One owner's jobs: claimed in the order submitted (owners would take turns).
  const NewJob a = make_job("alice", 3), b = make_job("alice", 2), c = make_job("alice", 1);
  create(a);
  clock_.advance_ms(1);
  create(b);
  clock_.advance_ms(1);
  create(c);
  e.queued = 3;
  e.queue_depth = 6;
  expect_counts(e, "submitted");

  Task t = claim();
  ASSERT_EQ(t.job_id, a.id);
  e.queued = 2, e.processing = 1, e.queue_depth = 5;
  expect_counts(e, "claimed");
  ASSERT_EQ(complete(t), ReportOutcome::kAccepted);
  e.blocks_done = 1;
  expect_counts(e, "block completed");
  ASSERT_EQ(complete(t), ReportOutcome::kDuplicate);
  expect_counts(e, "completion repeated");

  t = claim();  // a1
  e.queue_depth = 4;
  expect_counts(e, "second block claimed");
  ASSERT_EQ(fail(t, "vendor busy", clock_.now_ms() + 10'000), ReportOutcome::kAccepted);
  e.queue_depth = 5;  // waiting for its retry
  expect_counts(e, "retry scheduled");

  t = claim();  // a2
  ASSERT_EQ(t.job_id, a.id);
  ASSERT_TRUE(queue_->release(t).ok());
  expect_counts(e, "claimed and released");

  t = claim();  // b0
  ASSERT_EQ(t.job_id, b.id);
  e.queued = 1, e.processing = 2, e.queue_depth = 4;
  expect_counts(e, "second job claimed");
  ASSERT_EQ(fail(t, "no such voice"), ReportOutcome::kAccepted);
  e.processing = 1, e.failed = 1, e.blocks_failed = 1, e.queue_depth = 3;  // b1 withdrawn
  expect_counts(e, "failed for good");

  ASSERT_TRUE(jobs_->cancel_job(c.id).ok());
  ASSERT_TRUE(jobs_->cancel_job(c.id).ok());
  e.queued = 0, e.cancelled = 1, e.queue_depth = 2;
  expect_counts(e, "cancelled twice");

  // a2's lease expires; another worker takes it over: still one task, still leased.
  t = claim("worker-1", 100);
  ASSERT_EQ(t.block_index, 2u);
  clock_.advance_ms(200);
  const Task taken = claim("worker-2");
  ASSERT_EQ(taken.block_index, 2u);
  ASSERT_EQ(taken.attempt, t.attempt + 1);
  e.queue_depth = 1;
  expect_counts(e, "lease taken over");
  ASSERT_EQ(complete(t), ReportOutcome::kRefused);
  ASSERT_EQ(complete(taken), ReportOutcome::kAccepted);
  e.blocks_done = 2;
  expect_counts(e, "taken-over block completed");

  clock_.advance_ms(10'000);  // a1's retry is due
  t = claim();
  ASSERT_EQ(t.block_index, 1u);
  e.queue_depth = 0;
  expect_counts(e, "retry claimed");
  ASSERT_EQ(complete(t), ReportOutcome::kAccepted);
  e.blocks_done = 3, e.queue_depth = 1;  // the assembly
  expect_counts(e, "last block completed");
  t = claim();
  ASSERT_EQ(t.kind, TaskKind::kAssemble);
  e.queue_depth = 0;
  expect_counts(e, "assembly claimed");
  auto assembled = queue_->complete_assembly(t, {"jobs/" + a.id + "/final.mp3", "{}", 10});
  ASSERT_TRUE(assembled.ok() && *assembled == ReportOutcome::kAccepted);
  e.processing = 0, e.completed = 1;
  expect_counts(e, "assembled");

  ASSERT_TRUE(jobs_->delete_job(c.id).ok());
  e.cancelled = 0;
  expect_counts(e, "deleted");

  const NewJob d = make_job("dave", 1);
  create(d);
  e.queued = 1, e.queue_depth = 1;
  expect_counts(e, "submitted after");
  clock_.advance_ms(60'000);
  LocalBlobStore blobs(dir_.path() / "blobs");
  CleanupOptions options;
  options.job_retention_ms = 30'000;
  CleanupScheduler cleanup(*jobs_, blobs, clock_, options);
  EXPECT_EQ(cleanup.run_once().jobs_deleted, 2u);
  e.completed = 0, e.failed = 0;  // cumulative block counters stay
  expect_counts(e, "cleaned up");

  reopen();
  expect_counts(e, "reopened");
}

// A scrape reads counters: the same work with one job stored as with hundreds of jobs and
// thousands of waiting tasks.
TEST_P(StoreCountsTest, CountsCostTheSameWhateverTheStoreHolds) {
  create(make_job("alice", 2));
  const std::string small = cost_of_counts();
  run_every_due_task();  // a finished job too
  for (int i = 0; i < 100; ++i) create(make_job("bob", 24));
  auto counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->queue_depth, 2400u);
  const std::string large = cost_of_counts();
  EXPECT_EQ(large, small);
  if (is_redis()) {
    // Each of them O(1) (HGETALL of the small counters hash).
    EXPECT_EQ(large, "hgetall=1 zcard=1 ");
    EXPECT_LE(std::stoi(test_support::shared_redis_server().command(
                  {"HLEN", redis_prefix_ + "counters"})),
              16);
  }
}

// A status integer a store held that this version does not know (a newer version's, a damaged
// record) is named "unknown", never read past the table of names.
TEST(StatusNamesTest, AStatusOutsideTheEnumIsUnknown) {
  EXPECT_STREQ(job_status_name(JobStatus::kCancelled), "cancelled");
  EXPECT_STREQ(block_status_name(BlockStatus::kDone), "done");
  for (const int stored : {5, 6, 1000, -1}) {
    EXPECT_STREQ(job_status_name(static_cast<JobStatus>(stored)), "unknown") << stored;
    EXPECT_STREQ(block_status_name(static_cast<BlockStatus>(stored)), "unknown") << stored;
  }
}

}  // namespace
}  // namespace polyvox
