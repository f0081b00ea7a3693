// The Redis backend when Redis is not there: down, hung, restarted, crashed. Calls fail fast with
// kUnavailable and never hang past their timeouts; the stores resume by themselves when Redis is
// back; with AOF on, a restart loses nothing and every accepted job completes.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using Steady = std::chrono::steady_clock;
using test_support::make_job;
using test_support::redis_pool;
using test_support::RedisServer;
using test_support::result_for;

std::chrono::milliseconds elapsed_since(Steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
}

// Retries `call` (a store call returning a Result) until it succeeds or 20 s have passed, as a
// worker would; a pause between tries, since the pool answers at once while Redis is away.
template <typename Call>
auto until_ok(Call call) {
  const auto deadline = Steady::now() + std::chrono::seconds(20);
  auto result = call();
  while (!result.ok() && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    result = call();
  }
  return result;
}

TEST(RedisAvailabilityTest, RedisDownFailsFastWithUnavailable) {
  const int port = test_support::free_loopback_port();  // nothing listens there
  redis::RedisJobStore store(redis_pool("redis://127.0.0.1:" + std::to_string(port)), {});

  auto start = Steady::now();
  auto created = store.create_job(make_job("alice", 1));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::kUnavailable);
  EXPECT_GE(created.error().retry_after_s, 1);
  EXPECT_LT(elapsed_since(start), std::chrono::seconds(2));

  // Nothing listens: each call's one connect attempt is refused at once.
  start = Steady::now();
  auto claimed = store.claim("worker", 1000, 5000);
  ASSERT_FALSE(claimed.ok());
  EXPECT_EQ(claimed.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(store.get_job("x", false).error().kind, ErrorKind::kUnavailable);
  EXPECT_FALSE(store.ping());
  EXPECT_LT(elapsed_since(start), std::chrono::milliseconds(200));
}

TEST(RedisAvailabilityTest, HungRedisFailsWithinTheCommandTimeoutAndRecovers) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  redis::RedisJobStore store(redis_pool(server.url()), {});  // command timeout 1 s
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store.create_job(job).ok());

  server.pause();
  const auto start = Steady::now();
  auto read = store.get_job(job.id, true);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, ErrorKind::kUnavailable);
  auto claimed = store.claim("worker", 1000, 0);
  ASSERT_FALSE(claimed.ok());
  EXPECT_EQ(claimed.error().kind, ErrorKind::kUnavailable);
  EXPECT_LT(elapsed_since(start), std::chrono::milliseconds(3500));

  server.resume();
  auto again = until_ok([&] { return store.get_job(job.id, true); });
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->blocks.size(), 1u);
}

TEST(RedisAvailabilityTest, ReconnectsAfterARestartAndReloadsItsScripts) {
  RedisServer server({.appendonly = true});
  ASSERT_TRUE(server.ready());
  redis::RedisJobStore store(redis_pool(server.url()), {});
  const NewJob job = make_job("alice", 2);
  ASSERT_TRUE(store.create_job(job).ok());

  server.stop();
  auto down = store.get_job(job.id, false);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
  ASSERT_TRUE(server.restart());

  // The pooled connections are dead and Redis forgot the scripts (NOSCRIPT): both handled.
  auto task = until_ok([&] { return store.claim("worker", 30'000, 0); });
  ASSERT_TRUE(task.ok()) << task.error().message;
  ASSERT_TRUE(task->has_value());
  EXPECT_EQ((*task)->job_id, job.id);
  EXPECT_EQ(store.complete_block(**task, result_for(**task))->outcome, ReportOutcome::kAccepted);
  server.command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(store.get_job(job.id, false)->blocks_done, 1u);
  EXPECT_TRUE(store.claim("worker", 30'000, 0)->has_value());
}

// Workers on two nodes run jobs while Redis (AOF, everysec) is restarted under them: every job
// accepted before, during or after the restart completes, each block once, one assembly each.
TEST(RedisAvailabilityTest, EveryAcceptedJobCompletesAcrossARestartUnderLoad) {
  RedisServer server({.appendonly = true});
  ASSERT_TRUE(server.ready());
  constexpr int kNodes = 2, kThreadsPerNode = 3, kJobs = 40;
  constexpr int64_t kLeaseMs = 1000;  // a report lost in the restart costs one lease
  std::vector<std::unique_ptr<redis::RedisJobStore>> nodes;
  for (int n = 0; n < kNodes; ++n) {
    nodes.push_back(std::make_unique<redis::RedisJobStore>(
        redis_pool(server.url()), redis::JobStoreOptions{.max_block_ms = 100}));
  }

  std::mutex mu;
  std::vector<std::string> accepted_jobs;
  std::map<std::string, int> accepted_blocks, assemblies;
  std::atomic<int> reports{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kNodes * kThreadsPerNode; ++t) {
    threads.emplace_back([&, t] {
      redis::RedisJobStore& store = *nodes[t % kNodes];
      const std::string worker = "worker-" + std::to_string(t);
      while (!stop) {
        auto claimed = store.claim(worker, kLeaseMs, 100);
        if (!claimed.ok()) {  // Redis away: retry, as WorkerPool does
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        if (!claimed->has_value()) continue;
        const Task& task = **claimed;
        if (task.kind == TaskKind::kBlock) {
          auto done = store.complete_block(task, result_for(task));
          std::lock_guard lock(mu);
          if (done.ok() && done->outcome == ReportOutcome::kAccepted) {
            ++accepted_blocks[task.job_id + "/" + std::to_string(task.block_index)];
          }
        } else {
          auto done = store.complete_assembly(task, {"results/" + task.job_id, "{}", 1});
          std::lock_guard lock(mu);
          if (done.ok() && *done == ReportOutcome::kAccepted) ++assemblies[task.job_id];
        }
        ++reports;
      }
    });
  }
  // A client submitting jobs throughout; a job counts once create_job said OK (the 202).
  std::thread client([&] {
    for (int j = 0; j < kJobs && !stop; ++j) {
      const NewJob job = make_job("alice", 3);
      if (nodes[j % kNodes]->create_job(job).ok()) {
        std::lock_guard lock(mu);
        accepted_jobs.push_back(job.id);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a client's pace
    }
  });
  const auto busy_deadline = Steady::now() + std::chrono::seconds(10);
  while (reports < 30 && Steady::now() < busy_deadline) std::this_thread::yield();
  ASSERT_TRUE(server.restart());  // SIGTERM: the AOF is flushed; then started again on it
  client.join();

  // Every accepted job completes.
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu);
    ids = accepted_jobs;
  }
  ASSERT_GT(ids.size(), 10u);
  const auto deadline = Steady::now() + std::chrono::seconds(30);
  for (const std::string& id : ids) {
    for (;;) {
      auto job = nodes[0]->get_job(id, true);
      if (job.ok() && job->status == JobStatus::kCompleted) {
        EXPECT_EQ(job->blocks_done, 3u);
        for (const BlockRecord& block : job->blocks) EXPECT_EQ(block.status, BlockStatus::kDone);
        break;
      }
      ASSERT_TRUE(!job.ok() || !is_finished(job->status)) << id << " " << job->error;
      ASSERT_LT(Steady::now(), deadline) << "job " << id << " did not complete";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // A submission whose script ran while Redis went down, and whose resend found Redis still
  // down, was stored without being accepted (the client got an error): it completes too, and the
  // counters count it. Wait for every stored job.
  auto stored = nodes[0]->list_jobs("alice", 0, 10'000);
  ASSERT_TRUE(stored.ok());
  EXPECT_GE(stored->total, ids.size());
  EXPECT_LE(stored->total, ids.size() + 2);
  for (const JobRecord& listed : stored->jobs) {
    for (;;) {
      auto job = nodes[0]->get_job(listed.id, false);
      ASSERT_TRUE(job.ok()) << job.error().message;
      if (job->status == JobStatus::kCompleted) break;
      ASSERT_FALSE(is_finished(job->status)) << listed.id << " " << job->error;
      ASSERT_LT(Steady::now(), deadline) << "job " << listed.id << " did not complete";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mu);
  // A report whose answer was lost in the restart was not counted here, hence <= 1.
  for (const auto& [block, count] : accepted_blocks) EXPECT_LE(count, 1) << block;
  for (const auto& [job, count] : assemblies) EXPECT_LE(count, 1) << job;
  auto counts = nodes[0]->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->blocks_done, stored->total * 3);
  EXPECT_EQ(counts->jobs.at(JobStatus::kCompleted), stored->total);
}

// With appendfsync always, even a crash of Redis (SIGKILL) loses no acknowledged job.
TEST(RedisAvailabilityTest, AcknowledgedJobsSurviveACrashWithAppendfsyncAlways) {
  RedisServer server({.appendonly = true, .appendfsync = "always"});
  ASSERT_TRUE(server.ready());
  redis::RedisJobStore store(redis_pool(server.url()), {});
  std::vector<std::string> acknowledged;
  for (int j = 0; j < 50; ++j) {
    const NewJob job = make_job("alice", 2);
    ASSERT_TRUE(store.create_job(job).ok());
    acknowledged.push_back(job.id);
  }
  server.stop(/*crash=*/true);
  ASSERT_TRUE(server.restart());
  for (const std::string& id : acknowledged) {
    auto job = until_ok([&] { return store.get_job(id, true); });
    ASSERT_TRUE(job.ok()) << "acknowledged job lost: " << id << ": " << job.error().message;
    EXPECT_EQ(job->blocks.size(), 2u);
  }
  auto counts = store.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queue_depth, 100u);
}

}  // namespace
}  // namespace polyvox
