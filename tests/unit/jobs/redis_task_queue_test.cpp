// What the Redis TaskQueue does beyond the conformance suite: leases taken over in real time by
// another process, hand-offs orphaned by a reader that died after its blocking read, late
// results refused, and exactly one assembly per job when many workers on their own connections
// complete blocks at once.
#include <algorithm>
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
using test_support::result_for;
using test_support::shared_redis_server;

class RedisTaskQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shared_redis_server().ready()); }

  // A store as one process would have it: its own connections, on the real clock.
  std::unique_ptr<redis::RedisJobStore> open_store(redis::JobStoreOptions options = {}) {
    options.key_prefix = prefix_;
    options.clock = &clock_;
    return std::make_unique<redis::RedisJobStore>(
        test_support::redis_pool(shared_redis_server().url()), options);
  }

  Task claim_now(redis::RedisJobStore& store, const std::string& worker, int64_t lease_ms) {
    auto task = store.claim(worker, lease_ms, 0);
    EXPECT_TRUE(task.ok() && task->has_value());
    return task.ok() && task->has_value() ? **task : Task{};
  }

  const std::string prefix_ = "test-" + random_hex(6) + ":";
  SystemClock clock_;
};

TEST_F(RedisTaskQueueTest, StalledWorkersLeaseIsTakenOverInRealTimeAndItsLateResultRefused) {
  auto stalled_node = open_store(), live_node = open_store();
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(stalled_node->create_job(job).ok());
  const Task stalled = claim_now(*stalled_node, "stalled", 300);  // then it stops heartbeating

  // The other node's waiting claim gets the task once the lease expires, not before.
  const auto start = Steady::now();
  auto taken = live_node->claim("live", 30'000, 10'000);
  const auto waited = Steady::now() - start;
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->attempt, stalled.attempt + 1);
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_LT(waited, std::chrono::seconds(5));

  // The stalled worker wakes up: heartbeat and result refused, on any node.
  EXPECT_FALSE(*stalled_node->heartbeat(stalled, 300));
  EXPECT_EQ(stalled_node->complete_block(stalled, result_for(stalled))->outcome,
            ReportOutcome::kRefused);
  EXPECT_EQ(live_node->complete_block(**taken, result_for(**taken))->outcome,
            ReportOutcome::kAccepted);
  EXPECT_EQ(stalled_node->complete_block(stalled, result_for(stalled))->outcome,
            ReportOutcome::kRefused);
  EXPECT_EQ(live_node->get_job(job.id, false)->blocks_done, 1u);
}

TEST_F(RedisTaskQueueTest, SameAttemptFromAnotherWorkerIsRefused) {
  auto store = open_store();
  ASSERT_TRUE(store->create_job(make_job("alice", 1)).ok());
  const Task task = claim_now(*store, "worker-a", 30'000);
  Task impostor = task;
  impostor.worker_id = "worker-b";  // what a rewound attempt number could give another worker
  EXPECT_FALSE(*store->heartbeat(impostor, 30'000));
  EXPECT_EQ(store->complete_block(impostor, result_for(impostor))->outcome,
            ReportOutcome::kRefused);
  EXPECT_EQ(*store->fail_task(impostor, "no", std::nullopt, {}), ReportOutcome::kRefused);
  EXPECT_EQ(store->complete_block(task, result_for(task))->outcome, ReportOutcome::kAccepted);
}

TEST_F(RedisTaskQueueTest, NoteOrphanedBetweenBlockingReadAndClaimHidesNoTaskAndIsCleared) {
  auto store = open_store({.handoff_timeout_ms = 200, .max_block_ms = 50});
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store->create_job(job).ok());
  // A worker's blocking XREADGROUP is given the wake-up note, and the worker dies before its
  // claim script runs: the note waits in the group's pending list.
  auto& server = shared_redis_server();
  server.command({"XGROUP", "CREATE", prefix_ + "tasks", "workers", "0", "MKSTREAM"});
  server.command(
      {"XREADGROUP", "GROUP", "workers", "dead", "COUNT", "1", "STREAMS", prefix_ + "tasks", ">"});
  ASSERT_EQ(server.command({"XPENDING", prefix_ + "tasks", "workers"}), "1");
  // The task itself waits in its queue: claimed at once, never leased before.
  const Task task = claim_now(*store, "live", 30'000);
  EXPECT_EQ(task.job_id, job.id);
  EXPECT_EQ(task.attempt, 1);
  EXPECT_EQ(store->complete_block(task, result_for(task))->outcome, ReportOutcome::kAccepted);
  (void)claim_now(*store, "live", 30'000);  // the job's assembly
  // Idle past handoff_ms, the note is taken over and deleted by a claim that finds no work.
  auto nothing = store->claim("live", 30'000, 600);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  EXPECT_EQ(server.command({"XPENDING", prefix_ + "tasks", "workers"}), "0");
  EXPECT_EQ(server.command({"XLEN", prefix_ + "tasks"}), "0");
}

TEST_F(RedisTaskQueueTest, TaskQueuedByTheVersionBeforeQueuesIsStillClaimed) {
  auto store = open_store();
  const NewJob job = make_job("alice", 2);
  ASSERT_TRUE(store->create_job(job).ok());
  // Rewrite it as the previous version stored it: each task a stream entry {t: tid} that the
  // task names as its `entry`, no queues, no lane on the job.
  auto& server = shared_redis_server();
  server.command({"DEL", prefix_ + "tasks", prefix_ + "ring:i", prefix_ + "queue:i:alice"});
  server.command({"HDEL", prefix_ + "job:" + job.id, "lane"});
  server.command({"HSET", prefix_ + "counters", "tasks.queued", "0"});
  for (int i = 0; i < 2; ++i) {
    const std::string tid = job.id + ":" + std::to_string(i);
    const std::string entry = server.command({"XADD", prefix_ + "tasks", "*", "t", tid});
    server.command({"HSET", prefix_ + "task:" + tid, "entry", entry});
  }
  const Task first = claim_now(*store, "worker", 30'000);
  const Task second = claim_now(*store, "worker", 30'000);
  EXPECT_EQ(first.job_id, job.id);
  EXPECT_EQ(second.job_id, job.id);
  EXPECT_NE(first.block_index, second.block_index);
  EXPECT_EQ(first.attempt, 1);
  EXPECT_FALSE(store->claim("worker", 30'000, 0)->has_value());  // each handed out once
  EXPECT_EQ(store->complete_block(first, result_for(first))->outcome, ReportOutcome::kAccepted);
  EXPECT_EQ(store->complete_block(second, result_for(second))->outcome, ReportOutcome::kAccepted);
}

TEST_F(RedisTaskQueueTest, EntryOfACancelledJobIsDroppedNotHandedOut) {
  auto store = open_store();
  const NewJob cancelled = make_job("alice", 2), kept = make_job("alice", 1);
  ASSERT_TRUE(store->create_job(cancelled).ok());
  ASSERT_TRUE(store->create_job(kept).ok());
  ASSERT_TRUE(store->cancel_job(cancelled.id).ok());
  const Task task = claim_now(*store, "worker", 30'000);
  EXPECT_EQ(task.job_id, kept.id);
  EXPECT_FALSE(store->claim("worker", 30'000, 0)->has_value());
  EXPECT_EQ(shared_redis_server().command({"XLEN", prefix_ + "tasks"}), "0");
}

TEST_F(RedisTaskQueueTest, StoppedStoreForgetsItsIdleConsumers) {
  auto store = open_store();
  ASSERT_TRUE(store->create_job(make_job("alice", 2)).ok());
  const Task held = claim_now(*store, "busy-elsewhere", 30'000);
  (void)held;
  auto& server = shared_redis_server();
  // An entry delivered to another process's consumer, not yet leased: that consumer must stay.
  server.command({"XREADGROUP", "GROUP", "workers", "other-process", "COUNT", "1", "STREAMS",
                  prefix_ + "tasks", ">"});
  EXPECT_EQ(server.reply({"XINFO", "CONSUMERS", prefix_ + "tasks", "workers"}).elements.size(), 2u);
  store.reset();
  const redis::Value consumers = server.reply({"XINFO", "CONSUMERS", prefix_ + "tasks", "workers"});
  ASSERT_EQ(consumers.elements.size(), 1u);  // "busy-elsewhere" held no entry: forgotten
  EXPECT_EQ(consumers.elements[0].elements[1].str, "other-process");
}

// A process killed without stopping never forgets its consumers (one per worker slot): the
// cleanup leader deletes those idle past departed_consumer_ms that hold no entry.
TEST_F(RedisTaskQueueTest, ConsumersOfProcessesGoneWithoutStoppingAreForgotten) {
  auto store = open_store({.departed_consumer_ms = 300});
  auto& server = shared_redis_server();
  const std::string stream = prefix_ + "tasks";
  EXPECT_EQ(*store->forget_departed_workers(), 0u);  // no stream yet: nothing to do
  server.command({"XGROUP", "CREATE", stream, "workers", "0", "MKSTREAM"});
  server.command({"XGROUP", "CREATECONSUMER", stream, "workers", "killed"});
  // Killed between its blocking read and its claim: the note it holds is handed over by a claim
  // later (handoff_timeout_ms); until then the consumer stays.
  server.command({"XADD", stream, "*", "w", "1"});
  server.command(
      {"XREADGROUP", "GROUP", "workers", "killed-holding", "COUNT", "1", "STREAMS", stream, ">"});
  // Both idle past the limit, on Redis's clock.
  auto idle_of = [&](const std::string& name) -> int64_t {
    const redis::Value consumers = server.reply({"XINFO", "CONSUMERS", stream, "workers"});
    for (const redis::Value& c : consumers.elements) {
      for (std::size_t i = 0; i + 1 < c.elements.size(); i += 2) {
        if (c.elements[i].str == "name" && c.elements[i + 1].str != name) break;
        if (c.elements[i].str == "idle") return c.elements[i + 1].as_int().value_or(-1);
      }
    }
    return -1;
  };
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while ((idle_of("killed") < 300 || idle_of("killed-holding") < 300) && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(idle_of("killed"), 300);
  server.command({"XGROUP", "CREATECONSUMER", stream, "workers", "live"});  // just read

  auto forgotten = store->forget_departed_workers();
  ASSERT_TRUE(forgotten.ok()) << forgotten.error().message;
  EXPECT_EQ(*forgotten, 1u);
  EXPECT_EQ(idle_of("killed"), -1);
  EXPECT_GE(idle_of("killed-holding"), 300);
  EXPECT_GE(idle_of("live"), 0);
}

TEST_F(RedisTaskQueueTest, ManyWorkersOnTheirOwnConnectionsEnqueueOneAssemblyPerJob) {
  constexpr std::size_t kJobs = 30, kBlocks = 5, kNodes = 3, kThreadsPerNode = 4;
  std::vector<std::unique_ptr<redis::RedisJobStore>> nodes;
  for (std::size_t n = 0; n < kNodes; ++n) nodes.push_back(open_store());
  std::vector<NewJob> jobs;
  for (std::size_t j = 0; j < kJobs; ++j) {
    jobs.push_back(make_job("alice", kBlocks));
    ASSERT_TRUE(nodes[j % kNodes]->create_job(jobs.back()).ok());
  }

  std::mutex mu;
  std::map<std::string, int> enqueued, assembled, accepted_blocks;
  std::atomic<std::size_t> completed_jobs{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kNodes * kThreadsPerNode; ++t) {
    threads.emplace_back([&, t] {
      redis::RedisJobStore& store = *nodes[t % kNodes];
      const std::string worker = "worker-" + std::to_string(t);
      while (completed_jobs < kJobs && !failed) {
        auto claimed = store.claim(worker, 30'000, 100);
        if (!claimed.ok()) failed = true;
        if (!claimed.ok() || !claimed->has_value()) continue;
        const Task& task = **claimed;
        if (task.kind == TaskKind::kBlock) {
          // Reported twice, as a worker retrying a report whose answer it lost would.
          auto first = store.complete_block(task, result_for(task));
          auto again = store.complete_block(task, result_for(task));
          if (!first.ok() || !again.ok() || again->outcome != ReportOutcome::kDuplicate) {
            failed = true;
            continue;
          }
          std::lock_guard lock(mu);
          if (first->outcome == ReportOutcome::kAccepted) {
            ++accepted_blocks[task.job_id + "/" + std::to_string(task.block_index)];
          }
          if (first->assembly_enqueued) ++enqueued[task.job_id];
        } else {
          auto done = store.complete_assembly(task, {"results/" + task.job_id, "{}", 1});
          if (!done.ok()) failed = true;
          std::lock_guard lock(mu);
          if (done.ok() && *done == ReportOutcome::kAccepted) {
            ++assembled[task.job_id];
            ++completed_jobs;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_FALSE(failed);

  EXPECT_EQ(accepted_blocks.size(), kJobs * kBlocks);
  for (const auto& [block, count] : accepted_blocks) EXPECT_EQ(count, 1) << block;
  for (const NewJob& job : jobs) {
    EXPECT_EQ(enqueued[job.id], 1) << job.id;
    EXPECT_EQ(assembled[job.id], 1) << job.id;
    auto record = nodes[0]->get_job(job.id, true);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->status, JobStatus::kCompleted);
    EXPECT_EQ(record->blocks_done, kBlocks);
  }
  auto counts = nodes[0]->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->blocks_done, kJobs * kBlocks);
  EXPECT_EQ(counts->jobs.at(JobStatus::kCompleted), kJobs);
  EXPECT_EQ(counts->queue_depth, 0u);
}

}  // namespace
}  // namespace polyvox
