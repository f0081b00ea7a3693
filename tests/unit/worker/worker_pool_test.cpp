// The worker pool on real parts — the SQLite job store and task queue, a LocalBlobStore, the
// render pipeline — with a scripted provider: jobs rendered and assembled, transient failures
// retried, final ones failing the job, stale work discarded, and shutdown giving tasks back.
// Tests wait for the reports they expect (an observing TaskQueue), never for a fixed time.
#include "worker/worker_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "audio/decoder.h"
#include "core/ids.h"
#include "jobs/sqlite/sqlite_backend.h"
#include "storage/local_blob_store.h"
#include "support/audio_fixtures.h"
#include "support/scripted_provider.h"
#include "support/sync_recorder.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::ScriptedProvider;
using test_support::SyncRecorder;
using test_support::TempDir;

constexpr auto kPatience = std::chrono::seconds(20);  // a bound, not a delay: a hang fails

// One call the pool made on its TaskQueue.
struct Report {
  enum Call {
    kClaim,
    kHeartbeat,
    kCompleteBlock,
    kFailTask,
    kCompleteAssembly,
    kRelease,
    kInterrupt
  };
  Call call;
  Task task;
  ReportOutcome outcome = ReportOutcome::kRefused;  // complete_*, fail_task
  std::optional<int64_t> retry_at_ms;               // fail_task
  std::string error;                                // fail_task
  bool kept = false;                                // heartbeat: the lease was still held
};

// A TaskQueue that passes every call on to the real one and records what the pool reported, so
// that a test can wait until the report it expects has been made.
class ObservedQueue : public TaskQueue {
 public:
  explicit ObservedQueue(TaskQueue& inner) : inner_(inner) {}

  // Waits until `done` holds for the reports so far; false if it did not within kPatience.
  bool wait_until(const std::function<bool(const std::vector<Report>&)>& done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return done(reports_); });
  }

  std::vector<Report> reports(Report::Call call) const {
    std::lock_guard lock(mutex_);
    std::vector<Report> out;
    for (const Report& r : reports_) {
      if (r.call == call) out.push_back(r);
    }
    return out;
  }

  Result<std::optional<Task>> claim(const std::string& worker_id, int64_t lease_ms,
                                    int64_t wait_ms) override {
    record({Report::kClaim, Task{.worker_id = worker_id}});  // when asked, before any wait
    return inner_.claim(worker_id, lease_ms, wait_ms);
  }
  Result<bool> heartbeat(const Task& task, int64_t lease_ms) override {
    auto kept = inner_.heartbeat(task, lease_ms);
    record(
        {Report::kHeartbeat, task, ReportOutcome::kRefused, std::nullopt, "", kept.ok() && *kept});
    return kept;
  }
  Result<BlockCompletion> complete_block(const Task& task, const BlockResult& result) override {
    if (lose_block_report && lose_block_report(task)) {
      record({Report::kCompleteBlock, task, ReportOutcome::kRefused});
      return Error{ErrorKind::kUnavailable, "the store closed the connection", ""};
    }
    auto done = inner_.complete_block(task, result);
    if (lose_block_answer && lose_block_answer(task)) {  // stored, its answer lost on the way
      record({Report::kCompleteBlock, task, done.ok() ? done->outcome : ReportOutcome::kRefused});
      return Error{ErrorKind::kUnavailable, "the store closed the connection", ""};
    }
    record({Report::kCompleteBlock, task, done.ok() ? done->outcome : ReportOutcome::kRefused});
    return done;
  }
  Result<ReportOutcome> fail_task(const Task& task, const std::string& error,
                                  std::optional<int64_t> retry_at_ms,
                                  const std::vector<ProviderUsage>& usage) override {
    auto outcome = inner_.fail_task(task, error, retry_at_ms, usage);
    record({Report::kFailTask, task, outcome.ok() ? *outcome : ReportOutcome::kRefused, retry_at_ms,
            error});
    if (after_fail_task) after_fail_task(task);
    return outcome;
  }
  Result<ReportOutcome> complete_assembly(const Task& task,
                                          const AssemblyOutcome& outcome) override {
    if (before_complete_assembly) before_complete_assembly(task);
    if (lose_assembly_report && lose_assembly_report(task)) {
      record({Report::kCompleteAssembly, task, ReportOutcome::kRefused});
      return Error{ErrorKind::kUnavailable, "the store closed the connection", ""};
    }
    auto done = inner_.complete_assembly(task, outcome);
    record({Report::kCompleteAssembly, task, done.ok() ? *done : ReportOutcome::kRefused});
    return done;
  }
  Status release(const Task& task) override {
    Status released = inner_.release(task);
    record({Report::kRelease, task});
    return released;
  }
  void interrupt() override {
    inner_.interrupt();
    record({Report::kInterrupt, Task{}});
  }

  // When one of these says true, the report fails with kUnavailable: before reaching the store
  // (lose_*_report) or after the store took it (lose_block_answer). Called once per report.
  std::function<bool(const Task&)> lose_block_report;
  std::function<bool(const Task&)> lose_block_answer;
  std::function<bool(const Task&)> lose_assembly_report;
  // Called when the pool reports an assembly, before the report reaches the store.
  std::function<void(const Task&)> before_complete_assembly;
  // Called when the pool has reported a failure, after the store recorded it.
  std::function<void(const Task&)> after_fail_task;

 private:
  void record(Report report) {
    std::lock_guard lock(mutex_);
    reports_.push_back(std::move(report));
    changed_.notify_all();
  }

  TaskQueue& inner_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Report> reports_;
};

// Holds the provider's calls until opened, and tells when the first one has arrived: lets a test
// act while a task is in progress.
class Gate {
 public:
  void enter() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  bool wait_for_arrival() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return arrived_ > 0; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

// True when some report of `call` for `job_id` satisfies `also`.
bool any(
    const std::vector<Report>& reports, Report::Call call, const std::string& job_id,
    const std::function<bool(const Report&)>& also = [](const Report&) { return true; }) {
  for (const Report& r : reports) {
    if (r.call == call && r.task.job_id == job_id && also(r)) return true;
  }
  return false;
}

bool accepted(const Report& r) { return r.outcome == ReportOutcome::kAccepted; }
bool final_failure(const Report& r) { return accepted(r) && !r.retry_at_ms; }

class WorkerPoolTest : public ::testing::Test {
 protected:
  static constexpr int64_t kLeaseMs = 60'000;

  void SetUp() override {
    auto backend = sqlite::open_sqlite_backend(
        {.path = dir_ / "polyvox.db", .synchronous_full = false}, {.clock = &clock_});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    backend_ = *backend;
    queue_ = std::make_unique<ObservedQueue>(*backend_->jobs);
    auto provider = std::make_unique<ScriptedProvider>("scripted");
    provider_ = provider.get();
    providers_.add(std::move(provider));
  }

  void TearDown() override {
    gate_.open();  // a test that failed early must not leave a worker waiting in the provider
    pool_.reset();
  }

  // Options for fast tests: retries due at once, heartbeats only when a test asks for them.
  WorkerOptions options() {
    WorkerOptions o;
    o.concurrency = 1;
    o.audio_threads = 1;
    o.lease_ms = kLeaseMs;
    o.heartbeat_ms = 3'600'000;
    o.retry = RetryPolicy{.max_retries = 3, .base_ms = 0, .max_delay_ms = 0};
    o.idle_wait_ms = 100;
    o.report_retry_ms = 1;
    o.worker_id = "pool-under-test";
    o.scratch_dir = dir_ / "scratch";
    return o;
  }

  // The one place a WorkerPool is built.
  WorkerPool& start_pool(WorkerOptions o) {
    pool_ = std::make_unique<WorkerPool>(*queue_, *backend_->jobs, blobs_, providers_, diacritizer_,
                                         /*cache=*/nullptr, clock_, metrics_, std::move(o));
    pool_->start();
    return *pool_;
  }
  WorkerPool& start_pool() { return start_pool(options()); }
  // A pool whose blocks are retried at most `max_retries` times.
  WorkerPool& start_pool_retrying(int max_retries) {
    WorkerOptions o = options();
    o.retry.max_retries = max_retries;
    return start_pool(o);
  }

  // Makes the provider wait at gate_ on every call.
  void hold_provider_calls() {
    provider_->on_call = [this] { gate_.enter(); };
  }

  std::string submit(const std::vector<std::pair<std::string, int>>& texts_and_pauses) {
    NewJob job;
    job.id = new_uuid4();
    job.owner = "alice";
    for (const auto& [text, pause] : texts_and_pauses) {
      BlockSpec block;
      block.text = text;
      block.wait_after_ms = pause;
      block.provider = "scripted";
      block.voice = "v";
      job.spec.blocks.push_back(block);
    }
    auto created = backend_->jobs->create_job(job);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return job.id;
  }

  JobRecord job(const std::string& id) {
    auto record = backend_->jobs->get_job(id, true);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record.ok() ? *record : JobRecord{};
  }

  bool wait_for(Report::Call call, const std::string& job_id,
                const std::function<bool(const Report&)>& also) {
    return queue_->wait_until(
        [&](const std::vector<Report>& reports) { return any(reports, call, job_id, also); });
  }

  // Blob files of a job's block segments.
  std::size_t segment_files(const std::string& job_id) {
    const auto dir = dir_ / "blobs" / "jobs" / job_id / "segments";
    if (!std::filesystem::exists(dir)) return 0;
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
  }

  TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<sqlite::SqliteBackend> backend_;
  std::unique_ptr<ObservedQueue> queue_;
  SyncRecorder syncs_;  // every fsync of blobs_, in order
  LocalBlobStore blobs_{dir_ / "blobs", syncs_.fn()};
  ProviderRegistry providers_;
  ScriptedProvider* provider_ = nullptr;
  NoDiacritizer diacritizer_;
  MetricsRegistry metrics_;
  Gate gate_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(WorkerPoolTest, RendersEveryBlockAndAssemblesTheJob) {
  const std::string id = submit({{"One.", 0}, {"Two two.", 250}, {"Three three three.", 500}});
  WorkerOptions o = options();
  o.concurrency = 2;
  WorkerPool& pool = start_pool(o);
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();

  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kCompleted);
  EXPECT_EQ(record.blocks_done, 3u);
  ASSERT_TRUE(record.result);
  const auto final_file = blobs_.path_of(record.result->result_key);
  ASSERT_TRUE(final_file && std::filesystem::exists(*final_file));
  EXPECT_EQ(std::filesystem::file_size(*final_file), static_cast<uintmax_t>(record.result->bytes));
  EXPECT_EQ(segment_files(id), 3u);

  // The manifest places each block right after the previous one's speech and pause.
  const json manifest = json::parse(record.result->manifest_json);
  ASSERT_EQ(manifest["blocks"].size(), 3u);
  double expected_offset = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const json& b = manifest["blocks"][i];
    EXPECT_EQ(b["index"], i);
    EXPECT_EQ(b["provider"], "scripted");
    EXPECT_NEAR(b["offset_ms"].get<double>(), expected_offset, 0.01) << i;
    EXPECT_GT(b["speech_ms"].get<double>(), 0.0);
    expected_offset += b["speech_ms"].get<double>() + b["pause_ms"].get<double>();
  }
  EXPECT_NEAR(manifest["blocks"][1]["pause_ms"].get<double>(), 250.0, 1.0);
  EXPECT_NEAR(manifest["blocks"][2]["pause_ms"].get<double>(), 500.0, 1.0);
  EXPECT_NEAR(manifest["duration_ms"].get<double>(), expected_offset, 0.01);

  // The final file lasts as long as the manifest says.
  auto decoded = audio::decode_audio({test_support::read_file(*final_file)});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_NEAR(decoded->duration_ms(), manifest["duration_ms"].get<double>(), 30.0);
  EXPECT_EQ(provider_->texts.size(), 3u);
}

TEST_F(WorkerPoolTest, TransientFailureIsRetriedThenSucceeds) {
  provider_->failures = {Error{ErrorKind::kUnavailable, "HTTP 503 from the vendor"},
                         Error{ErrorKind::kUnavailable, "HTTP 503 from the vendor"}};
  const std::string id = submit({{"Try again.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();

  const auto failures = queue_->reports(Report::kFailTask);
  ASSERT_EQ(failures.size(), 2u);
  for (const Report& f : failures) {
    EXPECT_TRUE(f.retry_at_ms.has_value()) << "a transient failure is retried later";
    EXPECT_NE(f.error.find("HTTP 503 from the vendor"), std::string::npos) << f.error;
  }
  EXPECT_LT(failures[0].task.attempt, failures[1].task.attempt);
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kCompleted);
  ASSERT_EQ(record.blocks.size(), 1u);
  EXPECT_EQ(record.blocks[0].attempts, 3);
  EXPECT_EQ(provider_->texts.size(), 3u);
  ASSERT_TRUE(record.blocks[0].result);
  // Every attempt reached the vendor and is billed: the two that failed as well.
  ASSERT_EQ(record.blocks[0].usage.size(), 1u);
  const ProviderUsage& usage = record.blocks[0].usage[0];
  EXPECT_EQ(usage.provider, "scripted");
  EXPECT_EQ(usage.calls, 3u);
  EXPECT_EQ(usage.characters, 3u * 10u);  // "Try again."
  EXPECT_EQ(usage.failures, 2u);
  EXPECT_EQ(usage.retries, 2u);
}

// A block report the store could not confirm (Redis closed the connection, timed out, had no
// free connection) is sent again: the rendered block is kept, the vendor is called once, and no
// retry is counted (it used to become a task failure: rendered again, billed again, and on the
// last attempt the job failed).
TEST_F(WorkerPoolTest, ABlockReportTheStoreDidNotConfirmIsSentAgain) {
  std::atomic<int> lost{0};
  queue_->lose_block_report = [&](const Task&) { return lost.fetch_add(1) < 2; };
  const std::string id = submit({{"Rendered once.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();
  EXPECT_EQ(queue_->reports(Report::kCompleteBlock).size(), 3u);
  EXPECT_TRUE(queue_->reports(Report::kFailTask).empty());
  EXPECT_EQ(provider_->texts.size(), 1u);
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kCompleted);
  ASSERT_EQ(record.blocks.size(), 1u);
  EXPECT_EQ(record.blocks[0].attempts, 1);
  ASSERT_EQ(record.blocks[0].usage.size(), 1u);
  EXPECT_EQ(record.blocks[0].usage[0].calls, 1u);
  EXPECT_EQ(record.blocks[0].usage[0].retries, 0u);
}

// The report was stored but its answer lost: sent again, the store says it has it (kDuplicate),
// and the job goes on to its assembly as if the first answer had come.
TEST_F(WorkerPoolTest, ABlockReportStoredButUnansweredIsADuplicateTheSecondTime) {
  std::atomic<int> lost{0};
  queue_->lose_block_answer = [&](const Task&) { return lost.fetch_add(1) < 1; };
  const std::string id = submit({{"Stored once.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();
  const auto reports = queue_->reports(Report::kCompleteBlock);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].outcome, ReportOutcome::kAccepted);
  EXPECT_EQ(reports[1].outcome, ReportOutcome::kDuplicate);
  EXPECT_TRUE(queue_->reports(Report::kFailTask).empty());
  EXPECT_EQ(provider_->texts.size(), 1u);
  EXPECT_EQ(job(id).status, JobStatus::kCompleted);
}

// An assembly whose report never gets through (four sends) is a failure of that attempt like the
// assembly's others: retried when due (not left leased for a minute), and counted towards the
// poison limit (a release would not count: an error that always came back looped forever).
TEST_F(WorkerPoolTest, AnAssemblyReportThatNeverGetsThroughIsRetriedAsAFailure) {
  std::atomic<int> lost{0};
  queue_->lose_assembly_report = [&](const Task&) { return lost.fetch_add(1) < 4; };
  const std::string id = submit({{"Assembled twice.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();
  const auto reports = queue_->reports(Report::kCompleteAssembly);
  ASSERT_EQ(reports.size(), 5u);
  EXPECT_EQ(reports[3].task.attempt, reports[0].task.attempt);
  EXPECT_GT(reports[4].task.attempt, reports[0].task.attempt);
  EXPECT_TRUE(queue_->reports(Report::kRelease).empty());
  const auto failures = queue_->reports(Report::kFailTask);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].task.kind, TaskKind::kAssemble);
  EXPECT_EQ(failures[0].task.attempt, reports[0].task.attempt);
  EXPECT_TRUE(failures[0].retry_at_ms.has_value());
  EXPECT_EQ(job(id).status, JobStatus::kCompleted);
  EXPECT_EQ(provider_->texts.size(), 1u);
}

TEST_F(WorkerPoolTest, AJobThatFailedAfterRetriesCountsEveryBilledCall) {
  const Error unavailable{ErrorKind::kUnavailable, "HTTP 503 from the vendor"};
  provider_->failures = {unavailable, unavailable, unavailable};
  const std::string id = submit({{"Never said.", 0}});
  start_pool_retrying(2);
  ASSERT_TRUE(wait_for(Report::kFailTask, id, final_failure));
  pool_->stop();

  EXPECT_EQ(provider_->texts.size(), 3u);
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  ASSERT_EQ(record.blocks[0].usage.size(), 1u);
  const ProviderUsage& usage = record.blocks[0].usage[0];
  EXPECT_EQ(usage.calls, 3u);
  EXPECT_EQ(usage.characters, 3u * 11u);  // "Never said."
  EXPECT_EQ(usage.failures, 3u);
  EXPECT_EQ(usage.retries, 2u);
  // The owner is billed the same.
  auto owner = backend_->jobs->usage("alice");
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  ASSERT_EQ(owner->size(), 1u);
  ASSERT_EQ((*owner)[0].providers.size(), 1u);
  EXPECT_EQ((*owner)[0].providers[0].calls, 3u);
  EXPECT_EQ((*owner)[0].providers[0].failures, 3u);
}

// The app hands memory back to the system there (app/process_memory.h).
TEST_F(WorkerPoolTest, SaysWhenTheLastTaskInProgressHasEnded) {
  std::mutex mutex;
  std::condition_variable changed;
  int idle_calls = 0;
  std::size_t busy_when_idle = 99;
  WorkerOptions o = options();  // one task at a time: each one's end leaves the pool idle
  o.on_idle = [&] {
    std::lock_guard lock(mutex);
    ++idle_calls;
    busy_when_idle = pool_->busy();
    changed.notify_all();
  };
  const std::string id = submit({{"One.", 0}, {"Two.", 0}});
  start_pool(o);
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  std::unique_lock lock(mutex);
  ASSERT_TRUE(changed.wait_for(lock, kPatience, [&] { return idle_calls == 3; }))
      << idle_calls << " calls; expected one per task (two blocks and the assembly)";
  EXPECT_EQ(busy_when_idle, 0u);
}

TEST_F(WorkerPoolTest, FinalFailureFailsTheBlockAndTheJobWithTheReason) {
  provider_->failures = {Error{ErrorKind::kSynthesisFailed, "voice_not_found"}};
  const std::string id = submit({{"Cannot be said.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kFailTask, id, final_failure));
  pool.stop();

  EXPECT_EQ(queue_->reports(Report::kFailTask).size(), 1u) << "a final failure is not retried";
  EXPECT_EQ(provider_->texts.size(), 1u);
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  EXPECT_NE(record.error.find("voice_not_found"), std::string::npos) << record.error;
  ASSERT_EQ(record.blocks.size(), 1u);
  EXPECT_EQ(record.blocks[0].status, BlockStatus::kFailed);
  EXPECT_NE(record.blocks[0].error.find("voice_not_found"), std::string::npos);
  EXPECT_TRUE(queue_->reports(Report::kCompleteAssembly).empty());
}

// An exception out of a task (here, the provider's) once ended the whole process; now the task
// fails for good and the worker goes on with the next job.
TEST_F(WorkerPoolTest, AnExceptionFailsItsTaskAndTheWorkerGoesOn) {
  bool thrown = false;
  provider_->on_call = [&thrown] {
    if (!thrown) {
      thrown = true;
      throw std::runtime_error("a library's surprise");
    }
  };
  const std::string broken = submit({{"Throws.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kFailTask, broken, final_failure));
  const std::string fine = submit({{"Then fine.", 0}});
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, fine, [](const Report&) { return true; }));
  pool.stop();
  const JobRecord failed = job(broken);
  EXPECT_EQ(failed.status, JobStatus::kFailed);
  EXPECT_NE(failed.error.find("internal error"), std::string::npos) << failed.error;
  EXPECT_EQ(job(fine).status, JobStatus::kCompleted);
}

// The job is cancelled while its final file is being assembled: the refused assembly deletes the
// file it stored, and deleting the job leaves nothing behind.
TEST_F(WorkerPoolTest, ARefusedAssemblyLeavesNoFinalFile) {
  const std::string id = submit({{"Short.", 0}});
  queue_->before_complete_assembly = [this](const Task& task) {
    ASSERT_TRUE(backend_->jobs->cancel_job(task.job_id).ok());
  };
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id,
                       [](const Report& r) { return r.outcome == ReportOutcome::kRefused; }));
  pool.stop();
  EXPECT_EQ(job(id).status, JobStatus::kCancelled);
  const auto job_dir = dir_ / "blobs" / "jobs" / id;
  for (const auto& entry : std::filesystem::directory_iterator(job_dir)) {
    EXPECT_EQ(entry.path().filename().string().rfind("final_audio", 0), std::string::npos)
        << entry.path();
  }
  auto keys = backend_->jobs->delete_job(id);
  ASSERT_TRUE(keys.ok());
  for (const auto& key : *keys) (void)blobs_.remove(key);
  EXPECT_EQ(segment_files(id), 0u);
}

// Regular files under the job's blob directory (segments, final audio, temporaries).
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_directory()) files.push_back(entry.path());
  }
  return files;
}

// The job is deleted (cancelled, then deleted with its files, as DELETE /jobs/{id} twice does)
// while its final file is being assembled: the refused assembly does not bring a file back.
TEST_F(WorkerPoolTest, AJobDeletedDuringItsAssemblyKeepsNoFile) {
  const std::string id = submit({{"Short.", 0}, {"Gone soon.", 0}});
  queue_->before_complete_assembly = [this](const Task& task) {
    ASSERT_TRUE(backend_->jobs->cancel_job(task.job_id).ok());
    auto keys = backend_->jobs->delete_job(task.job_id);
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    for (const auto& key : *keys) (void)blobs_.remove(key);
  };
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id,
                       [](const Report& r) { return r.outcome == ReportOutcome::kRefused; }));
  pool.stop();
  EXPECT_EQ(backend_->jobs->get_job(id, false).error().kind, ErrorKind::kNotFound);
  const auto left = files_under(dir_ / "blobs" / "jobs" / id);
  EXPECT_TRUE(left.empty()) << left.size() << " files left, first " << left.front();
}

// The assembly's lease expires and another worker takes the task while this one stores its
// final file: the superseded assembly is refused and removes what it stored.
TEST_F(WorkerPoolTest, AnAssemblyThatLostItsLeaseLeavesNoFinalFile) {
  const std::string id = submit({{"Short.", 0}});
  std::optional<Task> taken_over;
  queue_->before_complete_assembly = [this, &taken_over](const Task&) {
    clock_.advance_ms(kLeaseMs + 1);
    auto stolen = backend_->jobs->claim("other-worker", kLeaseMs, 0);
    ASSERT_TRUE(stolen.ok() && stolen->has_value()) << "the expired lease was not claimable";
    taken_over = **stolen;
  };
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id,
                       [](const Report& r) { return r.outcome == ReportOutcome::kRefused; }));
  pool.stop();
  ASSERT_TRUE(taken_over.has_value());
  EXPECT_EQ(taken_over->job_id, id);
  EXPECT_NE(job(id).status, JobStatus::kCompleted);  // the other attempt has not assembled yet
  for (const auto& file : files_under(dir_ / "blobs" / "jobs" / id)) {
    EXPECT_EQ(file.filename().string().rfind("final_audio", 0), std::string::npos) << file;
  }
}

// The final file is durable (its content, then its name in the job's directory) before the
// store records the job completed: a power loss cannot leave a completed row without its file.
TEST_F(WorkerPoolTest, TheFinalFileIsSyncedBeforeTheAssemblyIsReported) {
  const std::string id = submit({{"Durable.", 0}});
  queue_->before_complete_assembly = [this](const Task&) { syncs_.note("complete_assembly"); };
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();
  const JobRecord completed = job(id);
  ASSERT_TRUE(completed.result.has_value());
  const std::string final_key = completed.result->result_key;
  const std::string final_path =
      std::filesystem::canonical(dir_ / "blobs").string() + "/" + final_key;
  const std::string final_dir = std::filesystem::path(final_path).parent_path().string();
  const std::vector<std::string> events = syncs_.events();
  const auto reported = std::find(events.begin(), events.end(), "complete_assembly");
  ASSERT_NE(reported, events.end());
  const auto content = std::find_if(events.begin(), events.end(), [&](const std::string& e) {
    return e.rfind(final_path + ".tmp-", 0) == 0;
  });
  ASSERT_LT(content, reported) << "the final file's content was not synced before the report";
  ASSERT_LT(std::find(content, events.end(), final_dir), reported)
      << "its directory was not synced after the content and before the report";
}

TEST_F(WorkerPoolTest, TransientFailuresPastTheLastRetryFailTheJob) {
  provider_->failures = {Error{ErrorKind::kUnavailable, "HTTP 503"},
                         Error{ErrorKind::kUnavailable, "HTTP 502"}};
  const std::string id = submit({{"Never up.", 0}});
  WorkerPool& pool = start_pool_retrying(1);
  ASSERT_TRUE(wait_for(Report::kFailTask, id, final_failure));
  pool.stop();

  const auto failures = queue_->reports(Report::kFailTask);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_TRUE(failures[0].retry_at_ms.has_value());
  EXPECT_FALSE(failures[1].retry_at_ms.has_value());
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kFailed);
  EXPECT_NE(record.error.find("HTTP 502"), std::string::npos) << record.error;
}

// Claims that ended without a failure (given back at shutdown, a lease that ran out) do not
// spend the retry budget: a block released three times still has its retry for a 503.
TEST_F(WorkerPoolTest, ClaimsGivenBackDoNotSpendTheRetryBudget) {
  provider_->failures = {Error{ErrorKind::kUnavailable, "HTTP 503"}};
  const std::string id = submit({{"Restarted.", 0}});
  for (int i = 0; i < 3; ++i) {
    auto claimed = backend_->jobs->claim("restarting-worker", 60'000, 0);
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_TRUE(backend_->jobs->release(**claimed).ok());
  }
  WorkerPool& pool = start_pool_retrying(1);
  ASSERT_TRUE(wait_for(Report::kCompleteAssembly, id, accepted));
  pool.stop();

  const auto failures = queue_->reports(Report::kFailTask);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(failures[0].retry_at_ms.has_value()) << "the one retry allowed";
  const JobRecord record = job(id);
  EXPECT_EQ(record.status, JobStatus::kCompleted);
  EXPECT_EQ(record.blocks[0].attempts, 5);  // every claim, the released ones included
  ASSERT_EQ(record.blocks[0].usage.size(), 1u);
  EXPECT_EQ(record.blocks[0].usage[0].retries, 1u);  // one retry, after one failure
  EXPECT_EQ(record.blocks[0].usage[0].failures, 1u);
}

TEST_F(WorkerPoolTest, LateReportOfALostLeaseIsRefused) {
  hold_provider_calls();
  const std::string id = submit({{"Slow worker.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(gate_.wait_for_arrival());
  // The worker stalls past its lease; another claims the task with a newer attempt.
  clock_.advance_ms(kLeaseMs + 1);
  auto stolen = backend_->jobs->claim("other-worker", kLeaseMs, 0);
  ASSERT_TRUE(stolen.ok() && stolen->has_value()) << "the expired lease was not claimable";
  gate_.open();
  ASSERT_TRUE(wait_for(Report::kCompleteBlock, id, [](const Report&) { return true; }));
  pool.stop(20'000);  // returns once the stale attempt has finished

  const auto reports = queue_->reports(Report::kCompleteBlock);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, ReportOutcome::kRefused);
  EXPECT_LT(reports[0].task.attempt, (*stolen)->attempt);
  EXPECT_EQ(job(id).blocks_done, 0u);
  EXPECT_EQ(segment_files(id), 0u) << "the refused segment is deleted";
  // The block is still the newer attempt's to complete.
  auto completed = backend_->jobs->complete_block(
      **stolen, BlockResult{"jobs/" + id + "/segments/0-other", 44100, 0, "scripted", "v"});
  ASSERT_TRUE(completed.ok());
  EXPECT_EQ(completed->outcome, ReportOutcome::kAccepted);
}

// Two claims of one block in one pool: attempt 1 fails for now, and the other slot claims
// attempt 2 before attempt 1's slot is done with its bookkeeping. That bookkeeping was by job and
// block, not by claim: attempt 1's slot, finishing, erased attempt 2's entry, which was then
// never heartbeated (its lease would run out under a render in progress), and a heartbeat of
// attempt 1 refused meanwhile marked attempt 2 lost.
TEST_F(WorkerPoolTest, TwoClaimsOfOneBlockInOnePoolKeepTheirOwnLeases) {
  std::atomic<int> calls{0};
  provider_->on_call = [&] {
    if (++calls > 1) gate_.enter();  // attempt 2 stays in the provider until the gate opens
  };
  provider_->failures.push_back({ErrorKind::kUnavailable, "HTTP 503", ""});
  // Attempt 1's slot, its failure recorded, goes on only once attempt 2 is in the provider.
  queue_->after_fail_task = [&](const Task&) { ASSERT_TRUE(gate_.wait_for_arrival()); };
  const std::string id = submit({{"Again.", 0}});
  WorkerOptions o = options();
  o.concurrency = 2;
  o.heartbeat_ms = 5;
  start_pool(o);
  ASSERT_TRUE(gate_.wait_for_arrival());
  // Attempt 1's slot has finished with its task once it asks for the next one (attempt 2's slot
  // is in the provider); attempt 2 must be heartbeated after that.
  ASSERT_TRUE(queue_->wait_until([&](const std::vector<Report>& reports) {
    std::size_t i = 0;
    while (i < reports.size() && reports[i].call != Report::kFailTask) ++i;
    while (i < reports.size() && reports[i].call != Report::kClaim) ++i;
    for (; i < reports.size(); ++i) {
      if (reports[i].call == Report::kHeartbeat && reports[i].task.attempt == 2 &&
          reports[i].kept) {
        return true;
      }
    }
    return false;
  })) << "attempt 2 was not heartbeated once attempt 1's slot had moved on";
  gate_.open();
  ASSERT_TRUE(wait_for(Report::kCompleteBlock, id, accepted));
  EXPECT_EQ(job(id).blocks_done, 1u);
}

TEST_F(WorkerPoolTest, WorkIsDiscardedOnceAHeartbeatFindsTheLeaseGone) {
  hold_provider_calls();
  const std::string id = submit({{"Cancelled meanwhile.", 0}});
  WorkerOptions o = options();
  o.heartbeat_ms = 5;
  WorkerPool& pool = start_pool(o);
  ASSERT_TRUE(gate_.wait_for_arrival());
  ASSERT_TRUE(backend_->jobs->cancel_job(id).ok());
  ASSERT_TRUE(wait_for(Report::kHeartbeat, id, [](const Report& r) { return !r.kept; }));
  gate_.open();
  pool.stop(20'000);  // returns once the task in progress has finished

  EXPECT_TRUE(queue_->reports(Report::kCompleteBlock).empty()) << "discarded before reporting";
  EXPECT_TRUE(queue_->reports(Report::kFailTask).empty());
  EXPECT_EQ(segment_files(id), 0u) << "nothing uploaded";
  EXPECT_EQ(job(id).status, JobStatus::kCancelled);
}

TEST_F(WorkerPoolTest, StopPastTheGraceGivesTasksInProgressBack) {
  hold_provider_calls();
  const std::string id = submit({{"Interrupted.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(gate_.wait_for_arrival());
  auto stopping = std::async(std::launch::async, [&pool] { pool.stop(/*grace_ms=*/0); });
  ASSERT_TRUE(wait_for(Report::kRelease, id, [](const Report&) { return true; }));
  gate_.open();
  ASSERT_EQ(stopping.wait_for(kPatience), std::future_status::ready);

  EXPECT_TRUE(queue_->reports(Report::kCompleteBlock).empty()) << "released work is discarded";
  EXPECT_EQ(segment_files(id), 0u);
  const JobRecord record = job(id);
  EXPECT_FALSE(is_finished(record.status));
  // Given back at once: another worker can claim it now, without waiting for the lease.
  auto next = backend_->jobs->claim("next-worker", kLeaseMs, 0);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->job_id, id);
  EXPECT_EQ((*next)->kind, TaskKind::kBlock);
}

TEST_F(WorkerPoolTest, StopWithinTheGraceLetsTasksInProgressFinish) {
  hold_provider_calls();
  const std::string id = submit({{"Almost done.", 0}});
  WorkerPool& pool = start_pool();
  ASSERT_TRUE(gate_.wait_for_arrival());
  auto stopping = std::async(std::launch::async, [&pool] { pool.stop(/*grace_ms=*/20'000); });
  ASSERT_TRUE(queue_->wait_until([](const std::vector<Report>& reports) {
    for (const Report& r : reports) {
      if (r.call == Report::kInterrupt) return true;
    }
    return false;
  }));
  gate_.open();
  ASSERT_EQ(stopping.wait_for(kPatience), std::future_status::ready);

  EXPECT_TRUE(queue_->reports(Report::kRelease).empty());
  const auto completions = queue_->reports(Report::kCompleteBlock);
  ASSERT_EQ(completions.size(), 1u);
  EXPECT_EQ(completions[0].outcome, ReportOutcome::kAccepted);
  EXPECT_EQ(job(id).blocks_done, 1u);
}

}  // namespace
}  // namespace polyvox
