// Every backend as a TaskQueue: claim order and due times, leases and fencing, idempotent and
// refused reports, retries, failures, the poison limit, waiting claims, and exactly one assembly
// per job under concurrent completions.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::make_job;
using test_support::result_for;

class TaskQueueTest : public test_support::StoreTest {};
POLYVOX_ON_EVERY_BACKEND(TaskQueueTest);

TEST_P(TaskQueueTest, ClaimsOldestDueTaskFirstAndMarksTheJobProcessing) {
  const NewJob older = make_job("alice", 2);
  create(older);
  clock_.advance_ms(1);
  const NewJob newer = make_job("alice", 1);
  create(newer);

  const Task first = claim("worker-1");
  EXPECT_EQ(first.kind, TaskKind::kBlock);
  EXPECT_EQ(first.job_id, older.id);
  EXPECT_EQ(first.block_index, 0u);
  EXPECT_EQ(first.attempt, 1);
  EXPECT_EQ(first.worker_id, "worker-1");
  const Task second = claim();
  EXPECT_EQ(second.job_id, older.id);
  EXPECT_EQ(second.block_index, 1u);
  EXPECT_EQ(claim().job_id, newer.id);
  EXPECT_TRUE(nothing_due());

  const JobRecord job = get(older.id);
  EXPECT_EQ(job.status, JobStatus::kProcessing);
  EXPECT_EQ(job.blocks[0].status, BlockStatus::kProcessing);
  EXPECT_EQ(job.blocks[0].attempts, 1);
}

TEST_P(TaskQueueTest, AnAssemblyGoesBeforeTheWaitingBlocksOfOtherJobs) {
  const NewJob first = make_job("alice", 1);
  create(first);
  clock_.advance_ms(1);
  const NewJob second = make_job("alice", 2);
  create(second);

  const Task block = claim("worker-1");
  ASSERT_EQ(block.job_id, first.id);
  clock_.advance_ms(5);
  auto done = queue_->complete_block(block, result_for(block));
  ASSERT_TRUE(done.ok() && done->assembly_enqueued);
  const Task next = claim("worker-1");
  EXPECT_EQ(next.kind, TaskKind::kAssemble);
  EXPECT_EQ(next.job_id, first.id);
  EXPECT_EQ(next.attempt, 1);
  EXPECT_EQ(claim().job_id, second.id);  // then the blocks, oldest first
  EXPECT_EQ(claim().job_id, second.id);
  EXPECT_TRUE(nothing_due());  // the assembly is not handed out twice
  auto assembled = queue_->complete_assembly(next, {"result.mp3", "{}", 10});
  ASSERT_TRUE(assembled.ok());
  EXPECT_EQ(*assembled, ReportOutcome::kAccepted);
  EXPECT_EQ(get(first.id).status, JobStatus::kCompleted);
}

TEST_P(TaskQueueTest, UsersTakeTurnsOneBlockEachAndOneUsersJobsRunInOrder) {
  // Batch jobs (more blocks than INTERACTIVE_MAX_BLOCKS): A's two jobs, B's and C's.
  const NewJob a1 = make_job("user-a", 4);
  create(a1);
  const NewJob b1 = make_job("user-b", 4);
  create(b1);
  const NewJob c1 = make_job("user-c", 4);
  create(c1);
  const NewJob a2 = make_job("user-a", 4);
  create(a2);

  std::vector<std::pair<std::string, std::size_t>> order;
  for (int i = 0; i < 16; ++i) {
    const Task task = claim();
    order.emplace_back(task.job_id, task.block_index);
  }
  EXPECT_TRUE(nothing_due());
  std::vector<std::pair<std::string, std::size_t>> expected;
  for (std::size_t i = 0; i < 4; ++i) {
    for (const NewJob* job : {&a1, &b1, &c1}) expected.emplace_back(job->id, i);
  }
  for (std::size_t i = 0; i < 4; ++i) expected.emplace_back(a2.id, i);  // A's next job, alone
  EXPECT_EQ(order, expected);
}

TEST_P(TaskQueueTest, InteractiveJobsAreClaimedAheadOfALongBatchWhichStillGetsEveryFourth) {
  const NewJob batch = make_job("user-a", 40);
  create(batch);
  claim();                                       // the batch job has started
  const NewJob short_b = make_job("user-b", 1);  // short: interactive by its size
  create(short_b);
  const NewJob short_a = make_job("user-a", 2);
  create(short_a);
  NewJob marked_c = make_job("user-c", 6);  // longer, but marked interactive by its route
  marked_c.spec.interactive = true;
  create(marked_c);

  // The 9 interactive blocks first, but one batch block after every kInteractiveStreak of them
  // (short jobs, however many, cannot keep a long one from being claimed at all); each job's
  // blocks in order; users in turn: no user gets a second block while another has one waiting.
  std::map<std::string, std::size_t> next_block{{batch.id, 1}};
  std::map<std::string, int> claimed_by_user;
  std::string lanes;  // "i" or "b" per claim
  int interactive = 0;
  while (interactive < 9 && lanes.size() < 20) {
    const Task task = claim();
    EXPECT_EQ(task.block_index, next_block[task.job_id]++);
    if (task.job_id == batch.id) {
      lanes += "b";
      continue;
    }
    lanes += "i";
    const std::string user = task.job_id == marked_c.id  ? "c"
                             : task.job_id == short_a.id ? "a"
                                                         : "b";
    ++claimed_by_user[user];
    if (interactive++ < 3) {  // a, b, c once each first
      EXPECT_EQ(claimed_by_user[user], 1) << "claim " << lanes.size();
    }
  }
  static_assert(kInteractiveStreak == 3);
  EXPECT_EQ(lanes, "iiibiiibiii");
  EXPECT_EQ(next_block[short_b.id], 1u);
  EXPECT_EQ(next_block[short_a.id], 2u);
  EXPECT_EQ(next_block[marked_c.id], 6u);
  const Task after = claim();
  EXPECT_EQ(after.job_id, batch.id);
  EXPECT_EQ(after.block_index, 3u);
}

TEST_P(TaskQueueTest, QueueDepthCountsWaitingTasksAcrossUsersAndLanes) {
  create(make_job("user-a", 5));
  create(make_job("user-b", 1));
  auto counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queue_depth, 6u);
  claim();
  claim();
  counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queue_depth, 4u);
}

TEST_P(TaskQueueTest, NothingIsDueInAnEmptyQueue) { EXPECT_TRUE(nothing_due()); }

TEST_P(TaskQueueTest, LeaseNotYetExpiredIsNotClaimedAgain) {
  create(make_job("alice", 1));
  claim("worker-1", 1000);
  clock_.advance_ms(999);
  EXPECT_TRUE(nothing_due());
}

TEST_P(TaskQueueTest, ExpiredLeaseIsReclaimedWithBumpedAttemptAndLateReportRefused) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task stalled = claim("worker-1", 1000);
  clock_.advance_ms(1000);

  const Task reclaimed = claim("worker-2");
  EXPECT_EQ(reclaimed.job_id, job.id);
  EXPECT_EQ(reclaimed.attempt, stalled.attempt + 1);
  EXPECT_EQ(get(job.id).blocks[0].attempts, 2);

  // The stalled worker wakes up: its heartbeat, result and failure are all refused.
  auto beat = queue_->heartbeat(stalled, 1000);
  ASSERT_TRUE(beat.ok());
  EXPECT_FALSE(*beat);
  EXPECT_EQ(complete(stalled), ReportOutcome::kRefused);
  EXPECT_EQ(fail(stalled, "late"), ReportOutcome::kRefused);
  EXPECT_EQ(get(job.id).blocks_done, 0u);

  EXPECT_EQ(complete(reclaimed), ReportOutcome::kAccepted);
  // The stale holder reporting after the current one finished is still refused.
  EXPECT_EQ(complete(stalled), ReportOutcome::kRefused);
  EXPECT_EQ(get(job.id).blocks_done, 1u);
}

// A lease past its expiry is taken over by the next claim, not queued behind the owner's later
// work (the job it belongs to would wait for all of it): both stores alike.
TEST_P(TaskQueueTest, AnExpiredLeaseIsTakenOverBeforeTheOwnersLaterTasks) {
  const NewJob first = make_job("alice", 1);
  create(first);
  const Task stalled = claim("worker-1", 1000);
  const NewJob later = make_job("alice", 5);
  create(later);
  clock_.advance_ms(1000);
  const Task taken = claim("worker-2");
  EXPECT_EQ(taken.job_id, first.id);
  EXPECT_EQ(taken.attempt, stalled.attempt + 1);
  EXPECT_EQ(complete(taken), ReportOutcome::kAccepted);
  EXPECT_EQ(claim().job_id, first.id);  // its assembly, ahead of the later job's blocks
}

TEST_P(TaskQueueTest, HeartbeatExtendsTheLease) {
  create(make_job("alice", 1));
  const Task task = claim("worker-1", 1000);
  clock_.advance_ms(800);
  auto beat = queue_->heartbeat(task, 1000);
  ASSERT_TRUE(beat.ok());
  EXPECT_TRUE(*beat);
  clock_.advance_ms(800);  // 1600 ms after the claim: the first lease alone would have expired
  EXPECT_TRUE(nothing_due());
  clock_.advance_ms(200);
  EXPECT_EQ(claim().attempt, task.attempt + 1);
}

TEST_P(TaskQueueTest, DuplicateCompletionIsReportedAndChangesNothing) {
  const NewJob job = make_job("alice", 2);
  create(job);
  const Task task = claim();
  clock_.advance_ms(7);
  auto first = queue_->complete_block(task, result_for(task));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, ReportOutcome::kAccepted);
  const JobRecord after_first = get(job.id);

  clock_.advance_ms(7);
  auto again = queue_->complete_block(task, result_for(task));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, ReportOutcome::kDuplicate);
  EXPECT_FALSE(again->assembly_enqueued);
  const JobRecord after_again = get(job.id);
  EXPECT_EQ(after_again.blocks_done, 1u);
  EXPECT_EQ(after_again.updated_at_ms, after_first.updated_at_ms);
}

TEST_P(TaskQueueTest, LastCompletionEnqueuesTheAssemblyWhichCompletesTheJob) {
  const NewJob job = make_job("alice", 2);
  create(job);
  const Task a = claim(), b = claim();
  auto first = queue_->complete_block(b, result_for(b));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->assembly_enqueued);
  auto last = queue_->complete_block(a, result_for(a));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->outcome, ReportOutcome::kAccepted);
  EXPECT_TRUE(last->assembly_enqueued);

  const JobRecord done = get(job.id);
  EXPECT_EQ(done.status, JobStatus::kProcessing);
  EXPECT_EQ(done.blocks_done, 2u);
  for (const BlockRecord& block : done.blocks) {
    EXPECT_EQ(block.status, BlockStatus::kDone);
    ASSERT_TRUE(block.result.has_value());
    EXPECT_EQ(block.result->speech_samples, 1000 + static_cast<int64_t>(block.index));
    EXPECT_EQ(block.result->provider, "espeak");
  }

  const Task assembly = claim();
  EXPECT_EQ(assembly.kind, TaskKind::kAssemble);
  EXPECT_EQ(assembly.job_id, job.id);
  EXPECT_TRUE(nothing_due());
  const AssemblyOutcome outcome{"results/final.mp3", R"({"blocks":2})", 4096};
  auto assembled = queue_->complete_assembly(assembly, outcome);
  ASSERT_TRUE(assembled.ok());
  EXPECT_EQ(*assembled, ReportOutcome::kAccepted);
  auto again = queue_->complete_assembly(assembly, outcome);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, ReportOutcome::kDuplicate);

  const JobRecord completed = get(job.id);
  EXPECT_EQ(completed.status, JobStatus::kCompleted);
  ASSERT_TRUE(completed.result.has_value());
  EXPECT_EQ(completed.result->result_key, outcome.result_key);
  EXPECT_EQ(completed.result->manifest_json, outcome.manifest_json);
  EXPECT_EQ(completed.result->bytes, outcome.bytes);
  EXPECT_TRUE(nothing_due());
}

TEST_P(TaskQueueTest, DelayedRetryKeepsTheBlockQueuedUntilItsTime) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task task = claim();
  EXPECT_EQ(fail(task, "provider timeout", clock_.now_ms() + 1000), ReportOutcome::kAccepted);
  EXPECT_EQ(fail(task, "provider timeout", clock_.now_ms() + 1000), ReportOutcome::kDuplicate);
  EXPECT_EQ(complete(task), ReportOutcome::kRefused);  // it gave the task up

  const JobRecord waiting = get(job.id);
  EXPECT_EQ(waiting.status, JobStatus::kProcessing);
  EXPECT_EQ(waiting.blocks[0].status, BlockStatus::kQueued);
  EXPECT_EQ(waiting.blocks[0].error, "provider timeout");

  clock_.advance_ms(999);
  EXPECT_TRUE(nothing_due());
  clock_.advance_ms(1);
  const Task retry = claim();
  EXPECT_EQ(retry.attempt, task.attempt + 1);
  EXPECT_EQ(complete(retry), ReportOutcome::kAccepted);
  EXPECT_EQ(get(job.id).blocks[0].error, "");
}

TEST_P(TaskQueueTest, FinalFailureFailsTheJobNamingTheBlockAndWithdrawsTheRest) {
  const NewJob job = make_job("alice", 3);
  create(job);
  const Task healthy = claim(), broken = claim();
  EXPECT_EQ(fail(broken, "provider exploded"), ReportOutcome::kAccepted);
  EXPECT_EQ(fail(broken, "provider exploded"), ReportOutcome::kDuplicate);

  const JobRecord record = get(job.id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  EXPECT_EQ(record.error, "block 1 failed: provider exploded");
  EXPECT_EQ(record.blocks[1].status, BlockStatus::kFailed);
  EXPECT_EQ(record.blocks[1].error, "provider exploded");
  EXPECT_EQ(record.blocks[0].status, BlockStatus::kCancelled);
  EXPECT_EQ(record.blocks[2].status, BlockStatus::kCancelled);
  EXPECT_TRUE(nothing_due());
  EXPECT_EQ(complete(healthy), ReportOutcome::kRefused);
}

TEST_P(TaskQueueTest, FailedAssemblyFailsTheJob) {
  const NewJob job = make_job("alice", 1);
  create(job);
  complete(claim());
  const Task assembly = claim();
  ASSERT_EQ(assembly.kind, TaskKind::kAssemble);
  EXPECT_EQ(fail(assembly, "storage down", clock_.now_ms() + 10), ReportOutcome::kAccepted);
  clock_.advance_ms(10);
  const Task again = claim();
  ASSERT_EQ(again.kind, TaskKind::kAssemble);
  EXPECT_EQ(again.attempt, assembly.attempt + 1);
  EXPECT_EQ(fail(again, "corrupt segment"), ReportOutcome::kAccepted);
  const JobRecord record = get(job.id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  EXPECT_EQ(record.error, "assembly failed: corrupt segment");
}

TEST_P(TaskQueueTest, PoisonBlockFailsAfterTheClaimLimitInsteadOfLooping) {
  reopen(/*max_claims=*/3);
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task first = claim("worker-1", 100);
  EXPECT_EQ(fail(first, "provider timeout", clock_.now_ms() + 10), ReportOutcome::kAccepted);
  clock_.advance_ms(10);
  claim("worker-2", 100);  // dies
  clock_.advance_ms(100);
  const Task third = claim("worker-3", 100);  // dies too
  EXPECT_EQ(third.attempt, 3);
  clock_.advance_ms(100);

  EXPECT_TRUE(nothing_due());
  const JobRecord record = get(job.id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  EXPECT_EQ(record.blocks[0].status, BlockStatus::kFailed);
  EXPECT_EQ(record.error,
            "block 0 failed: gave up after 3 claims without a result (last error: provider "
            "timeout)");
  EXPECT_EQ(complete(third), ReportOutcome::kRefused);
}

TEST_P(TaskQueueTest, DefaultClaimLimitIsTen) {
  EXPECT_EQ(sqlite::JobStoreOptions{}.max_claims, 10);
  EXPECT_EQ(redis::JobStoreOptions{}.max_claims, 10);
}

TEST_P(TaskQueueTest, ReleaseGivesTheTaskBackWithoutCountingTheClaim) {
  reopen(/*max_claims=*/2);
  const NewJob job = make_job("alice", 1);
  create(job);
  Task task;
  for (int i = 1; i <= 3; ++i) {  // three claims, each released: none counts
    task = claim();
    EXPECT_EQ(task.attempt, i);  // the fencing token is never handed out twice
    ASSERT_TRUE(queue_->release(task).ok());
    EXPECT_EQ(get(job.id).blocks[0].status, BlockStatus::kQueued);
  }
  const Task current = claim();
  EXPECT_EQ(complete(task), ReportOutcome::kRefused);
  EXPECT_EQ(complete(current), ReportOutcome::kAccepted);
}

// The retry budget counts failures reported with a retry time, not claims: a release (shutdown)
// and an expired lease (a dead worker) are claims that ended without a failure.
TEST_P(TaskQueueTest, OnlyRetriedFailuresCountAsTheTasksFailures) {
  const NewJob job = make_job("alice", 1);
  create(job);
  Task task = claim();
  EXPECT_EQ(task.failures, 0);
  ASSERT_TRUE(queue_->release(task).ok());
  task = claim("worker-1", 1000);
  clock_.advance_ms(1000);  // its holder died
  task = claim();
  EXPECT_EQ(task.attempt, 3);
  EXPECT_EQ(task.failures, 0);
  EXPECT_EQ(fail(task, "HTTP 503", clock_.now_ms()), ReportOutcome::kAccepted);
  task = claim();
  EXPECT_EQ(task.failures, 1);
  EXPECT_EQ(fail(task, "HTTP 429", clock_.now_ms()), ReportOutcome::kAccepted);
  EXPECT_EQ(fail(task, "HTTP 429", clock_.now_ms()), ReportOutcome::kDuplicate);  // not twice
  task = claim();
  EXPECT_EQ(task.failures, 2);
  EXPECT_EQ(task.attempt, 5);
  ASSERT_TRUE(queue_->release(task).ok());
  EXPECT_EQ(claim().failures, 2);
}

TEST_P(TaskQueueTest, WaitingClaimWakesForANewTask) {
  Result<std::optional<Task>> got = std::optional<Task>();
  const auto start = std::chrono::steady_clock::now();
  std::thread claimer([&] { got = queue_->claim("worker-1", kLeaseMs, 20'000); });
  while (stores_.waiting_claims() == 0) std::this_thread::yield();
  const NewJob job = make_job("alice", 1);
  create(job);
  claimer.join();
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->job_id, job.id);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_P(TaskQueueTest, WaitingClaimWakesWhenADelayedRetryComesDue) {
  reopen(10, &system_clock_);  // real time here: the wait under test is a timed one
  create(make_job("alice", 1));
  const Task task = claim();
  ASSERT_EQ(fail(task, "busy", system_clock_.now_ms() + 300), ReportOutcome::kAccepted);

  const auto start = std::chrono::steady_clock::now();
  auto retry = queue_->claim("worker-1", kLeaseMs, 10'000);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(retry.ok());
  ASSERT_TRUE(retry->has_value());
  EXPECT_EQ((*retry)->attempt, 2);
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_P(TaskQueueTest, InterruptWakesWaitingClaims) {
  Result<std::optional<Task>> got = Error{};
  const auto start = std::chrono::steady_clock::now();
  std::thread claimer([&] { got = queue_->claim("worker-1", kLeaseMs, 20'000); });
  while (stores_.waiting_claims() == 0) std::this_thread::yield();
  queue_->interrupt();
  claimer.join();
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_P(TaskQueueTest, ConcurrentCompletionsEnqueueExactlyOneAssemblyPerJob) {
  constexpr std::size_t kJobs = 40, kBlocks = 5, kThreads = 8;
  std::vector<NewJob> jobs;
  for (std::size_t j = 0; j < kJobs; ++j) {
    jobs.push_back(make_job("alice", kBlocks));
    create(jobs.back());
  }
  // Every block claimed first, then every claim reported twice, by different threads in a
  // shuffled order: completions of one job's blocks race with each other and with duplicates.
  std::vector<Task> reports;
  for (std::size_t i = 0; i < kJobs * kBlocks; ++i) reports.push_back(claim());
  const std::vector<Task> claimed = reports;
  reports.insert(reports.end(), claimed.begin(), claimed.end());
  std::shuffle(reports.begin(), reports.end(), std::mt19937(42));

  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::map<std::string, int> assemblies;
  std::map<ReportOutcome, int> outcomes;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < reports.size();) {
        auto done = queue_->complete_block(reports[i], result_for(reports[i]));
        std::lock_guard lock(mu);
        if (!done.ok()) {
          ADD_FAILURE() << done.error().message;
          ++outcomes[ReportOutcome::kRefused];  // counted as wrong below
          continue;
        }
        ++outcomes[done->outcome];
        if (done->assembly_enqueued) ++assemblies[reports[i].job_id];
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(outcomes[ReportOutcome::kAccepted], static_cast<int>(kJobs * kBlocks));
  EXPECT_EQ(outcomes[ReportOutcome::kDuplicate], static_cast<int>(kJobs * kBlocks));
  EXPECT_EQ(outcomes[ReportOutcome::kRefused], 0);
  std::map<std::string, int> assembly_tasks;
  for (std::size_t i = 0; i < kJobs; ++i) {
    const Task task = claim();
    EXPECT_EQ(task.kind, TaskKind::kAssemble);
    ++assembly_tasks[task.job_id];
  }
  EXPECT_TRUE(nothing_due());
  for (const NewJob& job : jobs) {
    EXPECT_EQ(assemblies[job.id], 1) << job.id;
    EXPECT_EQ(assembly_tasks[job.id], 1) << job.id;
    const JobRecord record = get(job.id);
    EXPECT_EQ(record.blocks_done, kBlocks);
    for (const BlockRecord& b : record.blocks) EXPECT_EQ(b.status, BlockStatus::kDone);
  }
}

}  // namespace
}  // namespace polyvox
