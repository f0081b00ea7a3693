// kill -9 at random moments: a child process hammers a database file with creates, claims,
// completions, retries and cancels and is killed with SIGKILL; the parent reopens the file and
// checks that nothing is half-done, that every acknowledged job is there, and that every
// unfinished job still runs to its end.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;
using sqlite::Connection;
using test_support::make_job;
using test_support::result_for;

constexpr int kRounds = 20;
constexpr int64_t kChildLeaseMs = 60'000;

// The child's work; never returns. Exits with 3 on any unexpected error, so that the parent can
// tell a crash of ours from its SIGKILL.
[[noreturn]] void hammer(const fs::path& db_path, const fs::path& acked_path, unsigned seed) {
  auto db = sqlite::Database::open({.path = db_path});
  if (!db) _exit(3);
  auto opened = sqlite::SqliteJobStore::open(*db, {});
  if (!opened) _exit(3);
  sqlite::SqliteJobStore& store = **opened;
  const int acked = ::open(acked_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (acked < 0) _exit(3);

  std::vector<std::thread> threads;
  for (unsigned c = 0; c < 2; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(seed + c);
      for (;;) {
        const NewJob job = make_job("crash", 1 + rng() % 4);
        if (!store.create_job(job).ok()) _exit(3);
        // Acknowledged: from here on the job must survive anything.
        const std::string line = job.id + "\n";
        if (::write(acked, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(3);
        }
      }
    });
  }
  for (unsigned w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(seed + 100 + w);
      SystemClock clock;
      for (;;) {
        auto task = store.claim("crash-worker", kChildLeaseMs, 100);
        if (!task.ok()) _exit(3);
        if (!task->has_value()) continue;
        const Task& t = **task;
        bool ok = true;
        if (t.kind == TaskKind::kAssemble) {
          ok = store.complete_assembly(t, {"results/" + t.job_id, "{}", 1}).ok();
        } else if (rng() % 8 == 0) {
          ok = store.fail_task(t, "flaky provider", clock.now_ms() + 20, {}).ok();
        } else if (rng() % 50 == 0) {
          ok = store.cancel_job(t.job_id).ok();  // the claimed task is simply dropped
        } else {
          ok = store.complete_block(t, result_for(t)).ok();
        }
        if (!ok) _exit(3);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(3);
}

// How many rows `sql` counts; each invariant below is a query counting its violations.
int64_t count(Connection& db, const char* sql) {
  auto n = db.query_int(sql);
  EXPECT_TRUE(n.ok()) << sql << ": " << n.error().message;
  return n.ok() ? n->value_or(0) : -1;
}

void expect_consistent_tables(sqlite::Database& db, int round) {
  auto checked = db.read([&](Connection& c) -> Status {
    // No half-created job: a job has all of its blocks, or it does not exist.
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM jobs j WHERE blocks_total != "
                    "(SELECT count(*) FROM blocks b WHERE b.job_seq = j.seq)"),
              0)
        << "round " << round;
    EXPECT_EQ(count(c, "SELECT count(*) FROM blocks WHERE job_seq NOT IN (SELECT seq FROM jobs)"),
              0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM tasks WHERE job_seq NOT IN (SELECT seq FROM jobs)"),
              0);
    // blocks_done counts the done blocks exactly.
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM jobs j WHERE blocks_done != (SELECT count(*) "
                    "FROM blocks b WHERE b.job_seq = j.seq AND b.status = 2)"),
              0)
        << "round " << round;
    // Every queued or processing block of an unfinished job has exactly one task...
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM blocks b JOIN jobs j ON j.seq = b.job_seq "
                    "WHERE j.status < 2 AND b.status IN (0, 1) AND (SELECT count(*) FROM "
                    "tasks t WHERE t.job_seq = b.job_seq AND t.kind = 0 AND "
                    "t.block_index = b.idx) != 1"),
              0)
        << "round " << round;
    // ...and no other block has one.
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM tasks t JOIN blocks b ON b.job_seq = t.job_seq "
                    "AND b.idx = t.block_index WHERE t.kind = 0 AND b.status NOT IN (0, 1)"),
              0)
        << "round " << round;
    // An unfinished job whose blocks are all done has exactly one assembly task; others none.
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM jobs j WHERE (SELECT count(*) FROM tasks t WHERE "
                    "t.job_seq = j.seq AND t.kind = 1) != (CASE WHEN j.status < 2 AND "
                    "j.blocks_done = j.blocks_total THEN 1 ELSE 0 END)"),
              0)
        << "round " << round;
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM tasks t JOIN jobs j ON j.seq = t.job_seq "
                    "WHERE j.status >= 2"),
              0)
        << "round " << round;
    // The triggers' counters agree with the rows.
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM counters c WHERE c.name LIKE 'jobs.%' AND c.value "
                    "!= (SELECT count(*) FROM jobs WHERE 'jobs.' || status = c.name)"),
              0)
        << "round " << round;
    return Status::success();
  });
  ASSERT_TRUE(checked.ok()) << checked.error().message;
}

std::vector<std::string> acknowledged_ids(const fs::path& acked_path) {
  std::vector<std::string> ids;
  std::istringstream lines(test_support::read_file(acked_path));
  for (std::string line; std::getline(lines, line);) {
    if (line.size() == 36) ids.push_back(line);  // a last line cut by the kill is not an ack
  }
  return ids;
}

// After a kill: the tables are consistent, every acknowledged job exists, and running every
// task (on a clock past every lease and retry) finishes every job, completed unless cancelled.
void check_after_kill(const fs::path& db_path, const fs::path& acked_path, int round) {
  // NORMAL: the checks need no fsync per commit, and the child is dead.
  auto db = sqlite::Database::open({.path = db_path, .synchronous_full = false});
  ASSERT_TRUE(db.ok()) << db.error().message;
  expect_consistent_tables(**db, round);

  ManualClock clock(SystemClock().now_ms() + int64_t{24} * 3600 * 1000);
  auto store = sqlite::SqliteJobStore::open(*db, {.clock = &clock});
  ASSERT_TRUE(store.ok());
  for (const std::string& id : acknowledged_ids(acked_path)) {
    ASSERT_TRUE((*store)->get_job(id, false).ok()) << "acknowledged job lost: " << id;
  }
  for (;;) {
    auto task = (*store)->claim("checker", 1000, 0);
    ASSERT_TRUE(task.ok());
    if (!task->has_value()) break;
    const Task& t = **task;
    if (t.kind == TaskKind::kBlock) {
      auto done = (*store)->complete_block(t, result_for(t));
      ASSERT_TRUE(done.ok() && done->outcome == ReportOutcome::kAccepted);
    } else {
      auto done = (*store)->complete_assembly(t, {"results/" + t.job_id, "{}", 1});
      ASSERT_TRUE(done.ok() && *done == ReportOutcome::kAccepted);
    }
  }
  auto checked = (*db)->read([&](Connection& c) -> Status {
    EXPECT_EQ(count(c, "SELECT count(*) FROM jobs WHERE status NOT IN (2, 4)"), 0)
        << "round " << round << ": a job did not finish, or failed";
    EXPECT_EQ(count(c,
                    "SELECT count(*) FROM jobs WHERE status = 2 AND (blocks_done != "
                    "blocks_total OR result_key IS NULL)"),
              0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM tasks"), 0);
    return Status::success();
  });
  ASSERT_TRUE(checked.ok());
  expect_consistent_tables(**db, round);
}

TEST(SqliteCrashTest, KillDashNineAtRandomMomentsLosesAndDuplicatesNothing) {
  test_support::TempDir dir;
  const fs::path db_path = dir / "crash.db", acked_path = dir / "acked.txt";
  std::mt19937 rng(20261125);
  for (int round = 0; round < kRounds; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) hammer(db_path, acked_path, static_cast<unsigned>(rng()));
    // How long the child runs before the kill: a random moment, not a synchronization.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 150)(rng)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself (status " << status << ") in round " << round;
    check_after_kill(db_path, acked_path, round);
    if (HasFatalFailure()) return;
  }
  const std::size_t acked = acknowledged_ids(acked_path).size();
  EXPECT_GT(acked, 0u);
  std::printf("crash test: %d kills, %zu acknowledged jobs, all finished\n", kRounds, acked);
}

}  // namespace
}  // namespace polyvox
