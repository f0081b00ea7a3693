// Every backend as a JobStore: jobs stored, read back, listed, cancelled, deleted, counted,
// and still there after the stores are reopened.
#include <algorithm>
#include <vector>

#include "core/word_timing.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::make_job;

class JobStoreTest : public test_support::StoreTest {
 protected:
  // A text field of the second of three blocks, `value`: read back exactly by get_job and
  // get_block, empty in the other blocks, and part of the submission (sent again it is the same
  // job; with another value it is another).
  void expect_block_text_kept(std::string BlockSpec::*field, const std::string& value) {
    NewJob job = make_job("alice", 3);
    job.spec.blocks[1].*field = value;
    create(job);
    reopen();
    const JobRecord record = get(job.id);
    ASSERT_EQ(record.blocks.size(), 3u);
    EXPECT_EQ(record.blocks[0].spec.*field, "");
    EXPECT_EQ(record.blocks[1].spec.*field, value);
    EXPECT_EQ(record.blocks[2].spec.*field, "");
    auto work = jobs_->get_block(job.id, 1);
    ASSERT_TRUE(work.ok());
    EXPECT_EQ(work->block.spec.*field, value);
    EXPECT_TRUE(jobs_->create_job(job).ok());
    job.spec.blocks[1].*field = "Another value.";
    auto other = jobs_->create_job(job);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().kind, ErrorKind::kInvalidInput);
  }
};
POLYVOX_ON_EVERY_BACKEND(JobStoreTest);

TEST_P(JobStoreTest, CreatedJobIsQueuedWithItsBlocks) {
  const NewJob job = make_job("alice", 3);
  const JobRecord created = create(job);
  EXPECT_EQ(created.status, JobStatus::kQueued);

  const JobRecord stored = get(job.id);
  EXPECT_EQ(stored.id, job.id);
  EXPECT_EQ(stored.owner, "alice");
  EXPECT_EQ(stored.owner_name, "alice-name");
  EXPECT_EQ(stored.project_id, job.spec.project_id);
  EXPECT_EQ(stored.status, JobStatus::kQueued);
  EXPECT_EQ(stored.blocks_total, 3u);
  EXPECT_EQ(stored.blocks_done, 0u);
  EXPECT_EQ(stored.created_at_ms, clock_.now_ms());
  ASSERT_EQ(stored.blocks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const BlockRecord& b = stored.blocks[i];
    EXPECT_EQ(b.index, i);
    EXPECT_EQ(b.status, BlockStatus::kQueued);
    EXPECT_EQ(b.spec.text, job.spec.blocks[i].text);
    EXPECT_EQ(b.spec.wait_after_ms, job.spec.blocks[i].wait_after_ms);
    EXPECT_EQ(b.spec.provider, job.spec.blocks[i].provider);
    EXPECT_EQ(b.spec.voice, job.spec.blocks[i].voice);
    EXPECT_EQ(b.spec.arabic, job.spec.blocks[i].arabic);
    EXPECT_FALSE(b.result.has_value());
  }
}

TEST_P(JobStoreTest, GetJobWithoutBlocksLeavesThemOut) {
  const NewJob job = make_job("alice", 2);
  create(job);
  auto stored = jobs_->get_job(job.id, false);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->blocks_total, 2u);
  EXPECT_TRUE(stored->blocks.empty());
}

// What GET /status reads: each block's state as get_job() has it; the store may leave out the
// rest (the SQLite store reads everything, the Redis one leaves out the texts and timings).
TEST_P(JobStoreTest, GetJobProgressHasEachBlocksStateAsGetJobHasIt) {
  const NewJob job = make_job("alice", 3);
  create(job);
  Task task = claim();  // block 0: done, with a result and usage
  BlockResult result = test_support::result_for(task);
  result.usage = {{"espeak", 1, 12, 0, 0, 0}};
  result.spoken_text = "spoken";
  result.timing_json = BlockTimings{"espeak", {{"Hello", 1.0, 2.0}}}.to_json();
  ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
  task = claim();  // block 1: failed once, retried later
  ASSERT_EQ(fail(task, "HTTP 503", clock_.now_ms() + 60'000, {{"openai", 1, 5, 0, 1, 0}}),
            ReportOutcome::kAccepted);
  const JobRecord whole = get(job.id);
  auto progress = jobs_->get_job_progress(job.id);
  ASSERT_TRUE(progress.ok()) << progress.error().message;
  EXPECT_EQ(progress->id, whole.id);
  EXPECT_EQ(progress->status, JobStatus::kProcessing);
  EXPECT_EQ(progress->blocks_done, 1u);
  EXPECT_EQ(progress->updated_at_ms, whole.updated_at_ms);
  ASSERT_EQ(progress->blocks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const BlockRecord &p = progress->blocks[i], &w = whole.blocks[i];
    EXPECT_EQ(p.index, i);
    EXPECT_EQ(p.status, w.status);
    EXPECT_EQ(p.attempts, w.attempts);
    EXPECT_EQ(p.error, w.error);
    ASSERT_EQ(p.usage.size(), w.usage.size());
    for (std::size_t u = 0; u < p.usage.size(); ++u) {
      EXPECT_EQ(p.usage[u].provider, w.usage[u].provider);
      EXPECT_EQ(p.usage[u].calls, w.usage[u].calls);
      EXPECT_EQ(p.usage[u].failures, w.usage[u].failures);
    }
    ASSERT_EQ(p.result.has_value(), w.result.has_value());
    if (p.result) {
      EXPECT_EQ(p.result->segment_key, w.result->segment_key);
      EXPECT_EQ(p.result->speech_samples, w.result->speech_samples);
      EXPECT_EQ(p.result->pause_samples, w.result->pause_samples);
      EXPECT_EQ(p.result->provider, w.result->provider);
      EXPECT_EQ(p.result->voice_id, w.result->voice_id);
    }
  }
  EXPECT_EQ(whole.blocks[1].error, "HTTP 503");
  EXPECT_EQ(whole.blocks[0].usage.size(), 1u);
  if (is_redis()) {  // over the network: the texts and timings stay in Redis
    EXPECT_EQ(progress->blocks[0].spec.text, "");
    EXPECT_EQ(progress->blocks[0].result->spoken_text, "");
    EXPECT_EQ(progress->blocks[0].result->timing_json, "");
    EXPECT_EQ(whole.blocks[0].result->spoken_text, "spoken");
  }
  EXPECT_EQ(jobs_->get_job_progress(new_uuid4()).error().kind, ErrorKind::kNotFound);
}

TEST_P(JobStoreTest, GetBlockReturnsOneBlockWithItsJobsFormatSizeAndStatus) {
  NewJob job = make_job("alice", 3);
  job.spec.output_format = OutputFormat::kWav;
  job.spec.sample_rate = 22050;
  create(job);
  claim();  // block 0: the job is processing

  auto work = jobs_->get_block(job.id, 2);
  ASSERT_TRUE(work.ok()) << work.error().message;
  EXPECT_EQ(work->block.index, 2u);
  EXPECT_EQ(work->block.spec.text, job.spec.blocks[2].text);
  EXPECT_EQ(work->block.status, BlockStatus::kQueued);
  EXPECT_EQ(work->output_format, OutputFormat::kWav);
  EXPECT_EQ(work->sample_rate, 22050);
  EXPECT_EQ(work->bitrate_kbps, 0);
  EXPECT_EQ(work->blocks_total, 3u);
  EXPECT_EQ(work->job_status, JobStatus::kProcessing);
  EXPECT_EQ(jobs_->get_block(job.id, 3).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(jobs_->get_block(new_uuid4(), 0).error().kind, ErrorKind::kNotFound);
}

TEST_P(JobStoreTest, KeepsTheOutputFormatRateAndBitrateOfEveryFormat) {
  for (auto format : {OutputFormat::kFlac, OutputFormat::kOpus, OutputFormat::kAac,
                      OutputFormat::kM4a, OutputFormat::kM4b, OutputFormat::kPcm}) {
    NewJob job = make_job("alice", 1);
    job.spec.output_format = format;
    job.spec.sample_rate = format == OutputFormat::kOpus ? 48000 : 24000;
    job.spec.bitrate_kbps = is_lossy(format) ? 64 : 0;
    create(job);
    const JobRecord stored = get(job.id);
    EXPECT_EQ(stored.output_format, format);
    EXPECT_EQ(stored.sample_rate, job.spec.sample_rate);
    EXPECT_EQ(stored.bitrate_kbps, job.spec.bitrate_kbps);
    auto work = jobs_->get_block(job.id, 0);
    ASSERT_TRUE(work.ok());
    EXPECT_EQ(work->bitrate_kbps, job.spec.bitrate_kbps);
    auto again = jobs_->create_job(job);  // the same submission: idempotent
    EXPECT_TRUE(again.ok()) << output_format_name(format);
  }
}

TEST_P(JobStoreTest, UnknownJobIsNotFound) {
  const std::string id = new_uuid4();
  EXPECT_EQ(jobs_->get_job(id, true).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(jobs_->cancel_job(id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(jobs_->delete_job(id).error().kind, ErrorKind::kNotFound);
}

// A repeat of a submission whose answer was lost: success, the job as stored, nothing twice.
TEST_P(JobStoreTest, CreatingTheSameSubmissionAgainReturnsTheStoredJob) {
  NewJob job = make_job("alice", 3);
  job.spec.blocks[1].fallback = {{"flite", "kal"}};
  const JobRecord first = create(job);
  claim();  // the job is processing by the time the repeat comes
  clock_.advance_ms(5'000);

  auto again = jobs_->create_job(job);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, job.id);
  EXPECT_EQ(again->created_at_ms, first.created_at_ms);
  EXPECT_EQ(again->status, JobStatus::kProcessing);  // as it is now
  EXPECT_EQ(again->blocks_total, 3u);
  EXPECT_TRUE(again->blocks.empty());

  auto listed = jobs_->list_jobs("", 0, 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->total, 1u);
  auto counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queue_depth, 2u);  // blocks 1 and 2: no task enqueued twice
  EXPECT_EQ(counts->jobs.at(JobStatus::kProcessing), 1u);
  EXPECT_EQ(counts->jobs.at(JobStatus::kQueued), 0u);
}

TEST_P(JobStoreTest, CreatingAnExistingIdWithAnotherSubmissionIsInvalidInput) {
  const NewJob job = make_job("alice", 2);
  create(job);
  auto variants = std::vector<NewJob>(8, job);
  variants[0].owner = "bob";
  variants[1].spec.project_id = "another project";
  variants[2].spec.output_format = OutputFormat::kWav;
  variants[3].spec.blocks[1].text = "other words";
  variants[4].spec.blocks.pop_back();
  variants[5].spec.sample_rate = 48000;
  variants[6].spec.bitrate_kbps = 64;
  variants[7].parent_id = new_uuid4();
  for (const NewJob& other : variants) {
    auto again = jobs_->create_job(other);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().kind, ErrorKind::kInvalidInput);
  }
  const JobRecord stored = get(job.id);  // the first one is untouched
  EXPECT_EQ(stored.owner, "alice");
  ASSERT_EQ(stored.blocks.size(), 2u);
  EXPECT_EQ(stored.blocks[1].spec.text, job.spec.blocks[1].text);
}

// A revision (POST /jobs/{id}/revisions) keeps the job it revises, read alone, with its blocks
// and in a listing; an original has none.
TEST_P(JobStoreTest, KeepsTheJobARevisionRevises) {
  const NewJob original = make_job("alice", 2);
  create(original);
  NewJob revision = make_job("alice", 2);
  revision.parent_id = original.id;
  EXPECT_EQ(create(revision).parent_id, original.id);

  EXPECT_EQ(get(original.id).parent_id, "");
  EXPECT_EQ(get(revision.id).parent_id, original.id);
  auto alone = jobs_->get_job(revision.id, false);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->parent_id, original.id);
  auto listed = jobs_->list_jobs("alice", 0, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->jobs.size(), 2u);
  EXPECT_EQ(listed->jobs[0].parent_id, original.id);  // newest first
  EXPECT_EQ(listed->jobs[1].parent_id, "");
}

TEST_P(JobStoreTest, JobWithoutBlocksIsRejected) {
  auto created = jobs_->create_job(make_job("alice", 0));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::kInvalidInput);
}

TEST_P(JobStoreTest, ListsNewestFirstWithPaginationAndOwnerFilter) {
  std::vector<std::string> alice, all;  // in creation order
  for (int i = 0; i < 8; ++i) {
    const NewJob job = make_job(i % 3 == 2 ? "bob" : "alice", 1);
    create(job);
    all.push_back(job.id);
    if (job.owner == "alice") alice.push_back(job.id);
    // Same millisecond for several jobs: the order must not depend on the clock.
    if (i % 2 == 1) clock_.advance_ms(1);
  }
  ASSERT_EQ(alice.size(), 6u);

  auto first = jobs_->list_jobs("alice", 0, 4);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->total, 6u);
  ASSERT_EQ(first->jobs.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(first->jobs[i].id, alice[5 - i]);
  EXPECT_TRUE(first->jobs[0].blocks.empty());

  auto rest = jobs_->list_jobs("alice", 4, 4);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->jobs.size(), 2u);
  EXPECT_EQ(rest->jobs[0].id, alice[1]);
  EXPECT_EQ(rest->jobs[1].id, alice[0]);

  auto everyone = jobs_->list_jobs("", 0, 100);
  ASSERT_TRUE(everyone.ok());
  EXPECT_EQ(everyone->total, 8u);
  ASSERT_EQ(everyone->jobs.size(), 8u);
  EXPECT_EQ(everyone->jobs.front().id, all.back());
  EXPECT_EQ(everyone->jobs.back().id, all.front());

  auto nobody = jobs_->list_jobs("carol", 0, 10);
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->total, 0u);
  EXPECT_TRUE(nobody->jobs.empty());
}

TEST_P(JobStoreTest, CancelWithdrawsPendingTasksAndRefusesLeasedOnes) {
  const NewJob job = make_job("alice", 3);
  create(job);
  const Task leased = claim();
  clock_.advance_ms(5);

  auto cancelled = jobs_->cancel_job(job.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, JobStatus::kCancelled);
  EXPECT_EQ(cancelled->updated_at_ms, clock_.now_ms());

  EXPECT_TRUE(nothing_due());
  EXPECT_EQ(complete(leased), ReportOutcome::kRefused);
  for (const BlockRecord& b : get(job.id).blocks) EXPECT_EQ(b.status, BlockStatus::kCancelled);
  auto counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queue_depth, 0u);
}

TEST_P(JobStoreTest, CancelOfFinishedJobLeavesItUnchanged) {
  const NewJob job = make_job("alice", 1);
  create(job);
  run_every_due_task();
  auto cancelled = jobs_->cancel_job(job.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, JobStatus::kCompleted);
}

TEST_P(JobStoreTest, DeleteReturnsBlobKeysOfSegmentsAndResult) {
  const NewJob job = make_job("alice", 2);
  create(job);
  run_every_due_task();
  ASSERT_EQ(get(job.id).status, JobStatus::kCompleted);

  auto keys = jobs_->delete_job(job.id);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys,
            (std::vector<std::string>{"results/" + job.id + ".mp3", "segments/" + job.id + "/0.mp3",
                                      "segments/" + job.id + "/1.mp3"}));
  EXPECT_EQ(jobs_->get_job(job.id, false).error().kind, ErrorKind::kNotFound);
  auto page = jobs_->list_jobs("", 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0u);
}

TEST_P(JobStoreTest, DeleteOfUnfinishedJobIsInvalidInput) {
  const NewJob job = make_job("alice", 1);
  create(job);
  auto keys = jobs_->delete_job(job.id);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(get(job.id).status, JobStatus::kQueued);
}

TEST_P(JobStoreTest, FinishedJobsBeforeListsOnlyFinishedOnesOldestFirst) {
  const NewJob completed = make_job("alice", 1), cancelled = make_job("alice", 1),
               running = make_job("alice", 1);
  create(completed);
  run_every_due_task();
  const int64_t completed_at = clock_.now_ms();
  clock_.advance_ms(10);
  create(cancelled);
  ASSERT_TRUE(jobs_->cancel_job(cancelled.id).ok());
  create(running);

  auto ids = jobs_->finished_jobs_before(completed_at + 5, 10);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{completed.id});
  ids = jobs_->finished_jobs_before(completed_at + 100, 10);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{completed.id, cancelled.id}));
  ids = jobs_->finished_jobs_before(completed_at + 100, 1);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{completed.id});
  ids = jobs_->finished_jobs_before(completed_at, 10);  // strictly before
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

TEST_P(JobStoreTest, CountsJobsByStatusBlocksAndQueueDepth) {
  create(make_job("alice", 2));  // will complete
  run_every_due_task();
  const NewJob failing = make_job("alice", 3);
  create(failing);
  const Task doomed = claim();
  ASSERT_EQ(fail(doomed, "boom"), ReportOutcome::kAccepted);
  create(make_job("bob", 4));  // stays queued: 4 waiting tasks
  const NewJob cancelled = make_job("bob", 1);
  create(cancelled);
  ASSERT_TRUE(jobs_->cancel_job(cancelled.id).ok());

  auto counts = jobs_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->jobs.at(JobStatus::kQueued), 1u);
  EXPECT_EQ(counts->jobs.at(JobStatus::kProcessing), 0u);
  EXPECT_EQ(counts->jobs.at(JobStatus::kCompleted), 1u);
  EXPECT_EQ(counts->jobs.at(JobStatus::kFailed), 1u);
  EXPECT_EQ(counts->jobs.at(JobStatus::kCancelled), 1u);
  EXPECT_EQ(counts->blocks_done, 2u);
  EXPECT_EQ(counts->blocks_failed, 1u);
  EXPECT_EQ(counts->queue_depth, 4u);
  EXPECT_TRUE(jobs_->ping());
}

TEST_P(JobStoreTest, ReopenedDatabaseKeepsJobsBlocksAndTasks) {
  const NewJob job = make_job("alice", 3);
  create(job);
  const Task first = claim("worker-1", 1000);
  ASSERT_EQ(complete(first), ReportOutcome::kAccepted);
  const Task second = claim("worker-1", 1000);  // its worker "dies" with the process
  const JobRecord before = get(job.id);

  reopen();

  const JobRecord after = get(job.id);
  EXPECT_EQ(after.status, JobStatus::kProcessing);
  EXPECT_EQ(after.blocks_done, 1u);
  EXPECT_EQ(after.updated_at_ms, before.updated_at_ms);
  ASSERT_EQ(after.blocks.size(), 3u);
  ASSERT_TRUE(after.blocks[0].result.has_value());
  EXPECT_EQ(after.blocks[0].result->segment_key, test_support::result_for(first).segment_key);
  EXPECT_EQ(after.blocks[1].status, BlockStatus::kProcessing);

  // The never-claimed block is due at once; the dead worker's block when its lease expires.
  const Task third = claim();
  EXPECT_EQ(third.block_index, 2u);
  EXPECT_TRUE(nothing_due());
  clock_.advance_ms(1000);
  const Task reclaimed = claim("worker-2");
  EXPECT_EQ(reclaimed.block_index, second.block_index);
  EXPECT_EQ(reclaimed.attempt, second.attempt + 1);
}

TEST_P(JobStoreTest, KeepsVoiceChoicesAndTheCacheFlag) {
  NewJob job = make_job("alice", 2);
  job.spec.blocks[1].fallback = {{"flite", "rms"}, {"espeak", "default"}};
  job.spec.blocks[1].cache = false;
  create(job);
  reopen();
  const JobRecord record = get(job.id);
  ASSERT_EQ(record.blocks.size(), 2u);
  EXPECT_TRUE(record.blocks[0].spec.fallback.empty());
  EXPECT_TRUE(record.blocks[0].spec.cache);
  ASSERT_EQ(record.blocks[1].spec.fallback.size(), 2u);
  EXPECT_EQ(record.blocks[1].spec.fallback[0].provider, "flite");
  EXPECT_EQ(record.blocks[1].spec.fallback[0].voice, "rms");
  EXPECT_FALSE(record.blocks[1].spec.cache);
  auto work = jobs_->get_block(job.id, 1);
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(work->block.spec.fallback.size(), 2u);
}

TEST_P(JobStoreTest, EveryQuotaRefusesWithItsNameAndFreesAsWorkFinishes) {
  auto with_quota = [](NewJob job, QuotaLimits quota) {
    job.quota = quota;
    return job;
  };
  auto refusal = [&](const NewJob& job) {
    auto created = jobs_->create_job(job);
    EXPECT_FALSE(created.ok());
    return created.ok() ? Error{} : created.error();
  };
  // Queued jobs: two at once.
  const QuotaLimits two_jobs{.max_queued_jobs = 2};
  const NewJob first = with_quota(make_job("alice", 2), two_jobs);
  create(first);
  create(with_quota(make_job("alice", 2), two_jobs));
  Error jobs_refused = refusal(with_quota(make_job("alice", 1), two_jobs));
  EXPECT_EQ(jobs_refused.kind, ErrorKind::kQuotaExceeded);
  EXPECT_EQ(jobs_refused.field, "max_queued_jobs");
  EXPECT_EQ(jobs_refused.message,
            "quota max_queued_jobs exceeded: the limit is 2 and this job would make it 3");
  EXPECT_GT(jobs_refused.retry_after_s, 0);
  create(with_quota(make_job("bob", 1), two_jobs));  // per user
  // A repeat of a stored submission is no new job.
  EXPECT_TRUE(jobs_->create_job(with_quota(first, two_jobs)).ok());
  // Queued blocks: alice has 4 not done.
  Error blocks_refused = refusal(with_quota(make_job("alice", 2), {.max_queued_blocks = 5}));
  EXPECT_EQ(blocks_refused.field, "max_queued_blocks");
  EXPECT_NE(blocks_refused.message.find("the limit is 5 and this job would make it 6"),
            std::string::npos);
  create(with_quota(make_job("alice", 1), {.max_queued_blocks = 5}));  // 5: at the limit
  // Finishing work frees the quota: a block done, then a cancelled job.
  const Task task = claim();
  ASSERT_EQ(complete(task), ReportOutcome::kAccepted);
  create(with_quota(make_job("alice", 1), {.max_queued_blocks = 5}));
  ASSERT_TRUE(jobs_->cancel_job(first.id).ok());
  create(with_quota(make_job("alice", 1), {.max_queued_jobs = 4, .max_queued_blocks = 5}));

  // Characters per UTC day ("block 0" is 7), counted when accepted; a new day starts afresh.
  const QuotaLimits chars{.max_chars_per_day = 20};
  create(with_quota(make_job("carol", 2), chars));  // 14
  Error chars_refused = refusal(with_quota(make_job("carol", 1), chars));
  EXPECT_EQ(chars_refused.field, "max_chars_per_day");
  EXPECT_NE(chars_refused.message.find("the limit is 20 and this job would make it 21"),
            std::string::npos);
  EXPECT_GT(chars_refused.retry_after_s, 0);
  EXPECT_LE(chars_refused.retry_after_s, 86400);
  clock_.advance_ms(int64_t{86400} * 1000);
  create(with_quota(make_job("carol", 2), chars));
}

TEST_P(JobStoreTest, KeepsTheInteractiveFlag) {
  NewJob interactive = make_job("alice", 1);
  interactive.spec.interactive = true;
  const NewJob batch = make_job("alice", 1);
  EXPECT_TRUE(create(interactive).interactive);
  create(batch);
  reopen();
  EXPECT_TRUE(get(interactive.id).interactive);
  EXPECT_FALSE(get(batch.id).interactive);
  auto page = jobs_->list_jobs("alice", 0, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_FALSE(page->jobs[0].interactive);  // newest first
  EXPECT_TRUE(page->jobs[1].interactive);
}

TEST_P(JobStoreTest, KeepsEachBlocksSpeedExactly) {
  NewJob job = make_job("alice", 3);
  job.spec.blocks[1].speed = 0.1 + 0.2;  // no short decimal: must come back bit for bit
  job.spec.blocks[2].speed = 4.0;
  create(job);
  reopen();
  const JobRecord record = get(job.id);
  ASSERT_EQ(record.blocks.size(), 3u);
  EXPECT_EQ(record.blocks[0].spec.speed, 1.0);
  EXPECT_EQ(record.blocks[1].spec.speed, 0.1 + 0.2);
  EXPECT_EQ(record.blocks[2].spec.speed, 4.0);
  auto work = jobs_->get_block(job.id, 1);
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(work->block.spec.speed, 0.1 + 0.2);
  // The same submission again is recognised as such (speed is part of the comparison).
  auto again = jobs_->create_job(job);
  EXPECT_TRUE(again.ok());
  job.spec.blocks[2].speed = 2.0;
  auto other = jobs_->create_job(job);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, ErrorKind::kInvalidInput);
}

TEST_P(JobStoreTest, KeepsChaptersProfileAndCover) {
  NewJob job = make_job("alice", 3);
  job.spec.output_format = OutputFormat::kM4b;
  job.spec.blocks[0].chapter = "Chapitre un : l'été";
  job.spec.blocks[2].chapter = "Two";
  job.spec.profile = DeliveryProfile::kAudiobook;
  job.spec.cover_url = "/covers/" + std::string(64, 'a') + ".png";
  create(job);
  reopen();
  const JobRecord record = get(job.id);
  ASSERT_EQ(record.blocks.size(), 3u);
  EXPECT_EQ(record.output_format, OutputFormat::kM4b);
  EXPECT_EQ(record.blocks[0].spec.chapter, "Chapitre un : l'été");
  EXPECT_EQ(record.blocks[1].spec.chapter, "");
  EXPECT_EQ(record.blocks[2].spec.chapter, "Two");
  EXPECT_EQ(record.profile, DeliveryProfile::kAudiobook);
  EXPECT_EQ(record.cover_url, job.spec.cover_url);
  auto work = jobs_->get_block(job.id, 2);
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(work->profile, DeliveryProfile::kAudiobook);
  EXPECT_EQ(work->block.spec.chapter, "Two");
  EXPECT_TRUE(jobs_->create_job(job).ok());  // the same submission
  job.spec.profile = DeliveryProfile::kBroadcast;
  auto other = jobs_->create_job(job);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, ErrorKind::kInvalidInput);
}

TEST_P(JobStoreTest, KeepsEachBlocksInstructions) {
  expect_block_text_kept(&BlockSpec::instructions, "Warm, \"quoted\", \u0639\u0631\u0628\u064a");
}

TEST_P(JobStoreTest, AJobWithoutProfileKeepsTheServersLoudness) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const JobRecord record = get(job.id);
  EXPECT_EQ(record.profile, DeliveryProfile::kServer);
  EXPECT_EQ(record.cover_url, "");
  EXPECT_EQ(record.blocks[0].spec.chapter, "");
}

TEST_P(JobStoreTest, KeepsEachBlocksSpeaker) {
  expect_block_text_kept(&BlockSpec::speaker, "Ann <narrator> & \u0633\u0627\u0631\u0629");
}

TEST_P(JobStoreTest, EachDoneBlockKeepsItsWordTimings) {
  const NewJob job = make_job("alice", 2);
  create(job);
  const std::string timings =
      BlockTimings{"espeak", {{"Hello,", 12.5, 300.0}, {"\u0639\u0627\u0644\u0645", 310.0, 700.25}}}
          .to_json();
  for (int i = 0; i < 2; ++i) {
    const Task task = claim();
    BlockResult result = test_support::result_for(task);
    if (task.block_index == 1) result.timing_json = timings;
    ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
  }
  reopen();
  const JobRecord record = get(job.id);
  ASSERT_TRUE(record.blocks[0].result && record.blocks[1].result);
  EXPECT_EQ(record.blocks[0].result->timing_json, "");
  EXPECT_EQ(record.blocks[1].result->timing_json, timings);
  EXPECT_EQ(BlockTimings::from_json(timings).words.size(), 2u);
}

TEST_P(JobStoreTest, UsageIsKeptPerBlockAndAccumulatedPerUserOncePerCompletion) {
  const NewJob job = make_job("alice", 2);
  create(job);
  for (int i = 0; i < 2; ++i) {
    const Task task = claim();
    BlockResult result = test_support::result_for(task);
    result.usage = {{"openai", 1, 40, 0, 1, 0}, {"espeak", 0, 0, 1, 0, 2}};
    ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
    // A duplicate report changes nothing.
    ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kDuplicate);
  }
  const JobRecord record = get(job.id);
  ASSERT_TRUE(record.blocks[0].result.has_value());
  ASSERT_EQ(record.blocks[0].usage.size(), 2u);
  EXPECT_EQ(record.blocks[0].usage[0].characters, 40u);
  auto usage = jobs_->usage("alice");
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->size(), 1u);
  const auto& providers = (*usage)[0].providers;
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers[0].provider, "espeak");
  EXPECT_EQ(providers[0].cache_hits, 2u);
  EXPECT_EQ(providers[0].retries, 4u);
  EXPECT_EQ(providers[1].provider, "openai");
  EXPECT_EQ(providers[1].calls, 2u);
  EXPECT_EQ(providers[1].characters, 80u);
  EXPECT_EQ(providers[1].failures, 2u);
  // Kept when the job is gone; other users see nothing of it.
  run_every_due_task();
  ASSERT_TRUE(jobs_->delete_job(job.id).ok());
  EXPECT_EQ((*jobs_->usage("alice"))[0].providers[1].calls, 2u);
  EXPECT_TRUE(jobs_->usage("bob")->empty());
  EXPECT_EQ(jobs_->usage("")->size(), 1u);
}

TEST_P(JobStoreTest, ADoneBlockKeepsTheTextItSpoke) {
  const NewJob job = make_job("alice", 3);  // block 2 is Arabic
  create(job);
  for (int i = 0; i < 3; ++i) {
    const Task task = claim();
    BlockResult result = test_support::result_for(task);
    if (task.block_index == 2) result.spoken_text = "مَرْحَبًا";
    ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
  }
  reopen();
  const JobRecord record = get(job.id);
  ASSERT_EQ(record.blocks.size(), 3u);
  ASSERT_TRUE(record.blocks[2].result.has_value());
  EXPECT_EQ(record.blocks[2].result->spoken_text, "مَرْحَبًا");
  ASSERT_TRUE(record.blocks[0].result.has_value());
  EXPECT_EQ(record.blocks[0].result->spoken_text, "");
}

// Vendors bill failed calls too: a failed attempt's usage counts for the block and its owner,
// whether it is retried or fails the job, and the attempt that succeeds adds to it.
TEST_P(JobStoreTest, FailedAttemptsAddTheirUsageToTheBlockAndTheOwner) {
  const NewJob job = make_job("alice", 2);
  create(job);
  const ProviderUsage failed_call{"openai", 1, 40, 0, 1, 0};
  // Retries are due 1 ms later: block 1 (due now) is claimed before block 0's retry.
  const int64_t retry_at = clock_.now_ms() + 1;
  Task task = claim();
  ASSERT_EQ(task.block_index, 0u);
  ASSERT_EQ(fail(task, "HTTP 503", retry_at, {failed_call}), ReportOutcome::kAccepted);
  // A duplicate report of the same attempt changes nothing.
  ASSERT_EQ(fail(task, "HTTP 503", retry_at, {failed_call}), ReportOutcome::kDuplicate);
  task = claim();
  ASSERT_EQ(task.block_index, 1u);
  ASSERT_EQ(fail(task, "HTTP 503", retry_at + 1, {failed_call}), ReportOutcome::kAccepted);
  clock_.advance_ms(1);
  task = claim();
  ASSERT_EQ(task.block_index, 0u);
  clock_.advance_ms(1);
  BlockResult result = test_support::result_for(task);
  result.usage = {{"openai", 1, 40, 0, 0, 1}};
  ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
  task = claim();
  ASSERT_EQ(task.block_index, 1u);
  ASSERT_EQ(fail(task, "quota exhausted", std::nullopt, {{"openai", 1, 40, 0, 1, 1}}),
            ReportOutcome::kAccepted);

  const JobRecord record = get(job.id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  ASSERT_EQ(record.blocks[0].usage.size(), 1u);
  EXPECT_EQ(record.blocks[0].usage[0].calls, 2u);
  EXPECT_EQ(record.blocks[0].usage[0].characters, 80u);
  EXPECT_EQ(record.blocks[0].usage[0].failures, 1u);
  EXPECT_EQ(record.blocks[0].usage[0].retries, 1u);
  ASSERT_EQ(record.blocks[1].usage.size(), 1u);  // the failed block: two billed calls
  EXPECT_EQ(record.blocks[1].usage[0].calls, 2u);
  EXPECT_EQ(record.blocks[1].usage[0].failures, 2u);
  auto usage = jobs_->usage("alice");
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->size(), 1u);
  ASSERT_EQ((*usage)[0].providers.size(), 1u);
  const ProviderUsage& total = (*usage)[0].providers[0];
  EXPECT_EQ(total.calls, 4u);
  EXPECT_EQ(total.characters, 160u);
  EXPECT_EQ(total.failures, 3u);
  EXPECT_EQ(total.retries, 2u);
}

TEST_P(JobStoreTest, OwnershipIsByUserIdAndTheNameIsKeptForDisplay) {
  // Two users who were both called "alice", one after the other: distinct ids.
  const std::string first = new_uuid4(), second = new_uuid4();
  NewJob old_job = make_job(first, 1), new_job = make_job(second, 1);
  old_job.owner_name = new_job.owner_name = "alice";
  for (const NewJob& job : {old_job, new_job}) {
    create(job);
    const Task task = claim();
    ASSERT_EQ(task.job_id, job.id);
    BlockResult result = test_support::result_for(task);
    result.usage = {{"espeak", 1, 10, 0, 0, 0}};
    ASSERT_EQ(queue_->complete_block(task, result)->outcome, ReportOutcome::kAccepted);
    run_every_due_task();  // its assembly
  }
  reopen();
  EXPECT_EQ(get(old_job.id).owner, first);
  EXPECT_EQ(get(old_job.id).owner_name, "alice");
  auto page = jobs_->list_jobs(second, 0, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1u);
  EXPECT_EQ(page->jobs[0].id, new_job.id);
  EXPECT_EQ(page->jobs[0].owner, second);
  EXPECT_EQ(page->jobs[0].owner_name, "alice");
  EXPECT_EQ(jobs_->list_jobs("alice", 0, 10)->total, 0u);  // a name is not an owner

  auto usage = jobs_->usage("");
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->size(), 2u);  // one row per id, each with its name, by name then id
  EXPECT_EQ((*usage)[0].owner, std::min(first, second));
  EXPECT_EQ((*usage)[1].owner, std::max(first, second));
  for (const UserUsage& row : *usage) {
    EXPECT_EQ(row.owner_name, "alice");
    ASSERT_EQ(row.providers.size(), 1u);
    EXPECT_EQ(row.providers[0].characters, 10u);
  }
  auto own = jobs_->usage(first);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].owner, first);
  EXPECT_EQ((*own)[0].owner_name, "alice");
}

}  // namespace
}  // namespace polyvox
