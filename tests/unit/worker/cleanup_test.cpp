// The scheduled cleanup on each backend, with a real local blob store and real files: orphaned
// segments (stored, then never recorded) and temporary files go once older than the temporary
// retention; what a row points at, what a live attempt may still record and anything younger
// stay.
#include "worker/cleanup.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/ids.h"
#include "jobs/sqlite/sqlite_connection.h"
#include "storage/local_blob_store.h"
#include "unit/jobs/store_fixture.h"
#include "worker/blob_keys.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;
using test_support::make_job;

constexpr int64_t kRetentionMs = 3'600'000;

// Sets the file's modification time to `ms` (Unix epoch milliseconds).
void set_mtime_ms(const fs::path& path, int64_t ms) {
  const timespec at{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  const timespec times[2] = {at, at};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

void write_file(const fs::path& path, const std::string& content = "bytes") {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

TEST(OrphanedKeysTest, NoJobMeansEveryKeyIsOrphaned) {
  const std::vector<std::string> keys = {"jobs/j/segments/0-1-w.mp3", "jobs/j/final_audio-1-w.mp3"};
  EXPECT_EQ(orphaned_keys("j", std::nullopt, keys), keys);
}

TEST(OrphanedKeysTest, FinishedJobKeepsOnlyWhatItsRowsPointAt) {
  JobRecord job;
  job.id = "j";
  job.status = JobStatus::kCompleted;
  job.blocks.resize(1);
  job.blocks[0].status = BlockStatus::kDone;
  job.blocks[0].attempts = 2;
  job.blocks[0].result = BlockResult{"jobs/j/segments/0-2-w.mp3"};
  job.result = AssemblyOutcome{"jobs/j/final_audio-1-w.mp3", "{}", 1};
  const std::vector<std::string> keys = {"jobs/j/segments/0-2-w.mp3", "jobs/j/segments/0-1-w.mp3",
                                         "jobs/j/final_audio-1-w.mp3", "jobs/j/final_audio-2-v.mp3",
                                         "jobs/j/something-else"};
  EXPECT_EQ(orphaned_keys("j", job, keys),
            (std::vector<std::string>{"jobs/j/segments/0-1-w.mp3", "jobs/j/final_audio-2-v.mp3",
                                      "jobs/j/something-else"}));
}

TEST(OrphanedKeysTest, PeaksOfTheFinalFileStayWithItAndGoWithTheJob) {
  JobRecord job;
  job.id = "j";
  job.status = JobStatus::kCompleted;
  job.result = AssemblyOutcome{"jobs/j/final_audio-2-w.mp3", "{}", 1};
  const std::vector<std::string> keys = {"jobs/j/final_audio-2-w.mp3",
                                         "jobs/j/final_audio-2-w.mp3.peaks.json",
                                         "jobs/j/final_audio-1-w.mp3.peaks.json"};
  EXPECT_EQ(orphaned_keys("j", job, keys),
            (std::vector<std::string>{"jobs/j/final_audio-1-w.mp3.peaks.json"}));
  EXPECT_EQ(orphaned_keys("j", std::nullopt, keys), keys);
}

TEST(OrphanedKeysTest, UnfinishedJobKeepsWhatALiveAttemptMayRecord) {
  JobRecord job;
  job.id = "j";
  job.status = JobStatus::kProcessing;
  job.blocks.resize(3);
  job.blocks[0].status = BlockStatus::kDone;  // done with attempt 2's segment
  job.blocks[0].attempts = 3;
  job.blocks[0].result = BlockResult{"jobs/j/segments/0-2-w.mp3"};
  job.blocks[1].status = BlockStatus::kProcessing;  // attempt 2 holds it now
  job.blocks[1].attempts = 2;
  job.blocks[2].status = BlockStatus::kQueued;  // never claimed
  const std::vector<std::string> keys = {
      "jobs/j/segments/0-2-w.mp3",     // recorded
      "jobs/j/segments/0-3-w.mp3",     // a late attempt of a block done: refused
      "jobs/j/segments/1-1-w.mp3",     // superseded by attempt 2
      "jobs/j/segments/1-2-w.mp3",     // the live attempt's: may still be recorded
      "jobs/j/segments/7-1-w.mp3",     // no such block: not ours to judge
      "jobs/j/final_audio-1-w.mp3",    // an assembly may still record it
      "jobs/j/segments/garbage.mp3"};  // not a segment key
  EXPECT_EQ(orphaned_keys("j", job, keys),
            (std::vector<std::string>{"jobs/j/segments/0-3-w.mp3", "jobs/j/segments/1-1-w.mp3"}));
}

TEST(BlobKeysTest, SegmentKeysParseBackAndNameTheirJob) {
  Task task{TaskKind::kBlock, "0b5c1e1a-1111-4222-8333-444455556666", 12, 3, "worker/a b"};
  const std::string key = segment_key(task, OutputFormat::kMp3);
  EXPECT_EQ(key, "jobs/0b5c1e1a-1111-4222-8333-444455556666/segments/12-3-worker_a_b.mp3");
  auto parsed = parse_segment_key(task.job_id, key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->block_index, 12u);
  EXPECT_EQ(parsed->attempt, 3);
  EXPECT_EQ(job_of_blob_key(key), task.job_id);
  EXPECT_EQ(job_of_blob_key(result_key(task, OutputFormat::kWav)), task.job_id);
  EXPECT_FALSE(parse_segment_key("other", key).has_value());
  EXPECT_FALSE(parse_segment_key(task.job_id, result_key(task, OutputFormat::kMp3)).has_value());
  EXPECT_EQ(job_of_blob_key("jobs/loose.mp3"), "");
  EXPECT_EQ(job_of_blob_key("other/x/y"), "");
}

class CleanupTest : public test_support::StoreTest {
 protected:
  CleanupTest() : blobs_(dir_.path() / "data" / "blobs") {}

  CleanupOptions options() {
    CleanupOptions o;
    o.temp_retention_ms = kRetentionMs;
    o.job_retention_ms = 0;  // jobs kept: only leftovers go
    o.temp_dirs = {dir_.path() / "data" / "tmp"};
    o.leftover_dirs = {dir_.path() / "data"};
    return o;
  }

  // What a worker stores for `task`, written `age_ms` before the store's clock.
  std::string store_segment(const Task& task, int64_t age_ms) {
    const std::string key = segment_key(task, OutputFormat::kMp3);
    EXPECT_TRUE(blobs_.put(key, "segment of " + key).ok());
    set_mtime_ms(*blobs_.path_of(key), clock_.now_ms() - age_ms);
    return key;
  }

  bool stored(const std::string& key) { return fs::exists(*blobs_.path_of(key)); }

  // A second connection to the SQLite store's file (as another process has), to make the store
  // do what its interface cannot make it do; null (and the test failed) if it cannot open.
  std::unique_ptr<sqlite::Connection> sqlite_beside_the_store() {
    auto db = sqlite::Connection::open(dir_ / "polyvox.db", {});
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(db.value()) : nullptr;
  }

  ReportOutcome complete_with(const Task& task, const std::string& key) {
    BlockResult result = test_support::result_for(task);
    result.segment_key = key;
    auto done = queue_->complete_block(task, result);
    EXPECT_TRUE(done.ok()) << done.error().message;
    return done.ok() ? done->outcome : ReportOutcome::kRefused;
  }

  LocalBlobStore blobs_;
};
POLYVOX_ON_EVERY_BACKEND(CleanupTest);

TEST_P(CleanupTest, ReclaimsOldSegmentsNoRowPointsAtAndKeepsTheRest) {
  constexpr int64_t kOld = kRetentionMs + 60'000;
  // Job a: block 0's first worker stored its segment and died; the second one recorded its own.
  // Block 1's attempt, alive, stored its segment long ago and has not recorded it yet.
  const NewJob a = make_job("alice", 2);
  create(a);
  const Task died = claim("worker-1", 1000);
  const Task live = claim("worker-3");
  ASSERT_EQ(live.block_index, 1u);
  const std::string died_key = store_segment(died, kOld);
  const std::string live_key = store_segment(live, kOld);
  clock_.advance_ms(2000);
  const Task second = claim("worker-2");
  ASSERT_EQ(second.block_index, 0u);
  const std::string recorded_key = store_segment(second, kOld);
  ASSERT_EQ(complete_with(second, recorded_key), ReportOutcome::kAccepted);
  // Job b was deleted while a worker was storing a segment; job c likewise, but just now.
  const NewJob b = make_job("bob", 1), c = make_job("carol", 1);
  create(b);
  const Task of_b = claim();
  const std::string deleted_old = store_segment(of_b, kOld);
  create(c);
  const Task of_c = claim();
  const std::string deleted_young = store_segment(of_c, kRetentionMs - 60'000);
  for (const NewJob& j : {b, c}) {
    ASSERT_TRUE(jobs_->cancel_job(j.id).ok());
    ASSERT_TRUE(jobs_->delete_job(j.id).ok());
  }

  CleanupScheduler cleanup(*jobs_, blobs_, clock_, options());
  const CleanupReport report = cleanup.run_once();

  EXPECT_EQ(report.orphans_deleted, 2u);
  EXPECT_FALSE(stored(died_key));
  EXPECT_FALSE(stored(deleted_old));
  EXPECT_TRUE(stored(recorded_key));
  EXPECT_TRUE(stored(live_key));
  EXPECT_TRUE(stored(deleted_young));
  // The live attempt records its segment after all, and the job completes with both.
  ASSERT_EQ(complete_with(live, live_key), ReportOutcome::kAccepted);
  EXPECT_EQ(cleanup.run_once().orphans_deleted, 0u);
  const JobRecord done = get(a.id);
  EXPECT_EQ(done.blocks[0].result->segment_key, recorded_key);
  EXPECT_EQ(done.blocks[1].result->segment_key, live_key);
  EXPECT_TRUE(stored(recorded_key));
  EXPECT_TRUE(stored(live_key));
  // Once old enough, the deleted job's last segment goes too.
  clock_.advance_ms(2 * kRetentionMs);
  EXPECT_EQ(cleanup.run_once().orphans_deleted, 1u);
  EXPECT_FALSE(stored(deleted_young));
}

TEST_P(CleanupTest, FinishedJobWithoutOrphansIsNotReadAgainUntilItsBlobsChange) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task task = claim();
  const std::string key = store_segment(task, kRetentionMs + 1000);
  ASSERT_EQ(complete_with(task, key), ReportOutcome::kAccepted);
  run_every_due_task();
  ASSERT_EQ(get(job.id).status, JobStatus::kCompleted);

  OrphanSweep sweep(*jobs_, blobs_);
  const auto keep_going = [] { return true; };
  const int64_t before = clock_.now_ms() - kRetentionMs;
  auto first = sweep.run(before, keep_going);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->jobs_looked_up, 1u);
  EXPECT_EQ(first->deleted, 0u);
  auto second = sweep.run(before, keep_going);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->jobs_looked_up, 0u);

  // A late attempt of the finished job stored another segment (and its worker died).
  Task late = task;
  late.attempt = 7;
  const std::string late_key = store_segment(late, kRetentionMs + 1000);
  auto third = sweep.run(before, keep_going);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->jobs_looked_up, 1u);
  EXPECT_EQ(third->deleted, 1u);
  EXPECT_FALSE(stored(late_key));
  EXPECT_TRUE(stored(key));
}

// The store's identity is kept with its data: the same after a restart.
TEST_P(CleanupTest, TheStoresIdentityIsKeptWithItsData) {
  auto first = jobs_->identity();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->empty());
  EXPECT_EQ(*jobs_->identity(), *first);
  reopen();
  EXPECT_EQ(*jobs_->identity(), *first);
}

// Files of jobs the store does not know are deleted only while the blob store is bound to this
// job store. An emptied or replaced store (Redis restarted without its data, a wrong database or
// prefix in REDIS_URL) knows no job at all: every file would have gone.
TEST_P(CleanupTest, FilesOfUnknownJobsStayWhenTheBlobsBelongToAnotherStore) {
  const auto unknown_segment = [&] {
    return store_segment(Task{.job_id = new_uuid4(), .attempt = 1, .worker_id = "w"},
                         kRetentionMs + 60'000);
  };
  OrphanSweep sweep(*jobs_, blobs_);
  const auto keep_going = [] { return true; };
  const int64_t before = clock_.now_ms() - kRetentionMs;
  // The first sweep binds the blob store to this job store and deletes as before.
  const std::string first = unknown_segment();
  ASSERT_TRUE(sweep.run(before, keep_going).ok());
  EXPECT_FALSE(stored(first));
  auto marker = blobs_.get(OrphanSweep::kIdentityKey);
  ASSERT_TRUE(marker.ok()) << marker.error().message;
  EXPECT_EQ(*marker, *jobs_->identity());
  // Bound to another store: nothing of an unknown job is deleted.
  ASSERT_TRUE(blobs_.put(OrphanSweep::kIdentityKey, "another-store").ok());
  const std::string second = unknown_segment();
  auto kept = sweep.run(before, keep_going);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->deleted, 0u);
  EXPECT_TRUE(stored(second));
  // Its marker removed (the operator's "yes, this store"), the next sweep adopts this store.
  ASSERT_TRUE(blobs_.remove(OrphanSweep::kIdentityKey).ok());
  auto adopted = sweep.run(before, keep_going);
  ASSERT_TRUE(adopted.ok());
  EXPECT_EQ(adopted->deleted, 1u);
  EXPECT_FALSE(stored(second));
  EXPECT_EQ(*blobs_.get(OrphanSweep::kIdentityKey), *jobs_->identity());
}

// The store's identity changes during a pass (Redis restarted without its data while a long
// listing went on): the files of the unknown jobs swept after that are kept.
TEST_P(CleanupTest, AStoreEmptiedDuringAPassKeepsTheFilesSweptAfter) {
  const std::vector<std::string> ids = {new_uuid4(), new_uuid4()};
  std::vector<std::string> keys;
  for (const auto& id : ids) {
    keys.push_back(
        store_segment(Task{.job_id = id, .attempt = 1, .worker_id = "w"}, kRetentionMs + 60'000));
  }
  const auto change_identity = [&] {
    if (is_redis()) {
      auto pool = test_support::redis_pool(test_support::shared_redis_server().url());
      ASSERT_TRUE(pool->run({"SET", redis_prefix_ + "store_identity", "emptied"}).ok());
    } else {
      auto db = sqlite_beside_the_store();
      ASSERT_NE(db, nullptr);
      ASSERT_TRUE(
          db->exec("UPDATE counters SET value = value + 1 WHERE name = 'store_identity'").ok());
    }
  };
  OrphanSweep sweep(*jobs_, blobs_);
  int calls = 0;  // keep_going is asked before each job's files: change before the second's
  auto swept = sweep.run(clock_.now_ms() - kRetentionMs, [&] {
    if (++calls == 2) change_identity();
    return true;
  });
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->deleted, 1u);
  EXPECT_NE(stored(keys[0]), stored(keys[1]));  // the second listed (either: no order) kept
}

// A store that refuses to delete finished jobs (here a trigger; in life a full disk or a locked
// database) ends the pass: the same batch used to come back at once, forever, with no pause.
TEST_P(CleanupTest, AStoreThatCannotDeleteJobsEndsThePass) {
  if (is_redis()) GTEST_SKIP() << "the refusal is made with a SQLite trigger";
  for (int i = 0; i < 3; ++i) {
    const NewJob job = make_job("alice", 1);
    create(job);
    ASSERT_TRUE(jobs_->cancel_job(job.id).ok());
  }
  auto db = sqlite_beside_the_store();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TRIGGER refuse BEFORE DELETE ON jobs "
                       "BEGIN SELECT RAISE(ABORT, 'deletes refused'); END")
                  .ok());
  clock_.advance_ms(10 * kRetentionMs);
  CleanupOptions o = options();
  o.job_retention_ms = kRetentionMs;
  o.job_batch = 2;  // fewer than the jobs: a full batch that fails would come back at once
  CleanupScheduler cleanup(*jobs_, blobs_, clock_, o);
  EXPECT_EQ(cleanup.run_once().jobs_deleted, 0u);  // returns: the test would hang otherwise
  ASSERT_TRUE(db->exec("DROP TRIGGER refuse").ok());
  EXPECT_EQ(cleanup.run_once().jobs_deleted, 3u);
}

TEST_P(CleanupTest, DeletesTemporaryFilesOlderThanTheRetentionOnly) {
  const fs::path data = dir_.path() / "data";
  const int64_t old_ms = clock_.now_ms() - kRetentionMs - 1000;
  const int64_t young_ms = clock_.now_ms() - kRetentionMs + 60'000;
  struct File {
    fs::path path;
    int64_t mtime_ms;
    bool deleted;
  };
  const std::vector<File> files = {
      {data / "tmp" / "assembly-job-1234", old_ms, true},  // scratch: anything
      {data / "tmp" / "assembly-job-5678", young_ms, false},
      {data / "blobs/jobs/j/segments/0-1-w.mp3.tmp-a1b2c3", old_ms, true},  // interrupted put
      {data / "blobs/jobs/j/segments/0-1-w.mp3.tmp-d4e5f6", young_ms, false},
      {data / "cache/ab" / (std::string(64, 'a') + ".tmp-0011"), old_ms, true},
      {data / "secret_key.tmp-9a8b", old_ms, true},
      {data / "download.tmp", old_ms, true},
      {data / "polyvox.db", old_ms, false},  // not temporaries, however old
      {data / "polyvox.db-wal", old_ms, false},
      {data / "cache/ab" / std::string(64, 'a'), old_ms, false},
  };
  for (const File& f : files) {
    write_file(f.path);
    set_mtime_ms(f.path, f.mtime_ms);
  }
  // A link named as a temporary is not followed, nor removed.
  const fs::path outside = dir_.path() / "outside.tmp";
  write_file(outside);
  set_mtime_ms(outside, old_ms);
  fs::create_symlink(outside, data / "link.tmp");

  CleanupScheduler cleanup(*jobs_, blobs_, clock_, options());
  const CleanupReport report = cleanup.run_once();

  EXPECT_EQ(report.temp_files_deleted, 5u);
  for (const File& f : files) EXPECT_EQ(fs::exists(f.path), !f.deleted) << f.path;
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_TRUE(fs::is_symlink(data / "link.tmp"));
}

// An exception out of a pass (a failing std::filesystem call, a store's bug) is logged and the
// scheduler's thread goes on to its next pass instead of ending the process.
TEST_P(CleanupTest, APassThatThrowsDoesNotEndTheSchedulersThread) {
  std::mutex mutex;
  std::condition_variable passes_changed;
  int passes = 0;
  CleanupOptions o = options();
  o.interval_ms = 1;
  o.leads_job_cleanup = [&] {
    std::lock_guard lock(mutex);
    ++passes;
    passes_changed.notify_all();
    if (passes == 1) {
      throw fs::filesystem_error("remove", "/nowhere",
                                 std::make_error_code(std::errc::permission_denied));
    }
    return false;
  };
  CleanupScheduler cleanup(*jobs_, blobs_, clock_, o);
  cleanup.start();
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(
        passes_changed.wait_for(lock, std::chrono::seconds(10), [&] { return passes >= 3; }));
  }
  cleanup.stop();
}

}  // namespace
}  // namespace polyvox
