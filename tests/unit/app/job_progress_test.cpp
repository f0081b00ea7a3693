#include "app/job_progress.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

http::SseEvent event(const std::string& type, const std::string& data) {
  return http::SseEvent{type, data, ""};
}

TEST(JobProgressTest, DescribesEachEventNamingTheBlockAndCountsStates) {
  JobProgress progress({"elevenlabs", "espeak", ""});
  EXPECT_EQ(progress.apply(event("snapshot", R"({"job_id": "j1", "status": "queued",
      "blocks": [{"index": 0, "status": "queued"}, {"index": 1, "status": "queued"},
                 {"index": 2, "status": "queued"}]})")),
            "[0/3] job j1 queued");
  EXPECT_EQ(progress.apply(event("block.processing", R"({"index": 1, "attempt": 1})")),
            "[0/3] block 1 (espeak) processing");
  EXPECT_EQ(progress.apply(event("block.done", R"({"index": 1, "provider": "espeak",
      "voice": "en-us", "speech_ms": 1234, "pause_ms": 400, "cached": true})")),
            "[1/3] block 1 (espeak, en-us) done: 1.2 s of speech, 400 ms pause, cached");
  EXPECT_EQ(progress.apply(event("block.retrying", R"({"index": 0, "attempt": 1,
      "delay_ms": 2000, "reason": "rate limited"})")),
            "[1/3] block 0 (elevenlabs) retrying in 2 s (attempt 1: rate limited)");
  EXPECT_EQ(progress.counts(), "1/3 done, 1 retrying");
  EXPECT_EQ(progress.status_line(),
            "1/3 done, 1 retrying \u2014 block 0 (elevenlabs) retrying in 2 s (attempt 1: rate "
            "limited)");
  EXPECT_EQ(progress.apply(event("block.processing", R"({"index": 2, "attempt": 2})")),
            "[1/3] block 2 processing (attempt 2)");  // the job file named no provider
  EXPECT_EQ(progress.counts(), "1/3 done, 1 processing, 1 retrying");
  EXPECT_EQ(progress.end(), JobProgress::End::kRunning);
}

TEST(JobProgressTest, EndsWithTheJobsFinalEvent) {
  JobProgress completed({"espeak"});
  completed.apply(event("block.done", R"({"index": 0, "speech_ms": 500})"));
  EXPECT_EQ(completed.apply(event("block.placed", R"({"index": 0, "offset_ms": 0})")), "");
  EXPECT_EQ(completed.apply(event("job.completed", R"({"duration_ms": 2500})")),
            "[1/1] job completed: 2.5 s of audio");
  EXPECT_EQ(completed.end(), JobProgress::End::kCompleted);
  EXPECT_EQ(completed.duration_ms(), 2500);

  JobProgress failed({"openai", "openai"});
  EXPECT_EQ(failed.apply(event("block.failed", R"({"index": 1, "reason": "quota"})")),
            "[0/2] block 1 (openai) failed: quota");
  EXPECT_EQ(failed.apply(event("job.failed", R"({"error": "block 1 failed: quota"})")),
            "[0/2] job failed: block 1 failed: quota");
  EXPECT_EQ(failed.end(), JobProgress::End::kFailed);
  EXPECT_EQ(failed.failure(), "block 1 failed: quota");
  EXPECT_EQ(failed.counts(), "0/2 done, 1 failed");

  JobProgress cancelled({"espeak"});
  cancelled.apply(event("job.cancelled", "{}"));
  EXPECT_EQ(cancelled.end(), JobProgress::End::kCancelled);
}

// A job that failed before its stream opened (a vendor's quota error on the first call): the
// snapshot names the failed block and its reason, as the block.failed event would have.
TEST(JobProgressTest, ASnapshotOfAFinishedJobEndsIt) {
  JobProgress progress({"elevenlabs", "flite", "elevenlabs", "elevenlabs"});
  const auto snapshot = event("snapshot", R"({"job_id": "j", "status": "failed", "error": "boom",
      "blocks": [{"index": 0, "status": "failed", "error": "HTTP 401 quota"},
                 {"index": 1, "status": "done", "provider": "flite"},
                 {"index": 2, "status": "failed", "error": "HTTP 401 quota"},
                 {"index": 3, "status": "failed"}]})");
  EXPECT_EQ(progress.apply(snapshot),
            "[1/4] block 0 (elevenlabs) failed: HTTP 401 quota (and 2 more failed); job j failed");
  // The same snapshot again (a reconnection) says nothing new of blocks already seen failing.
  EXPECT_EQ(progress.apply(snapshot), "[1/4] job j failed");
  EXPECT_EQ(progress.end(), JobProgress::End::kFailed);
  EXPECT_EQ(progress.failure(), "boom");
  EXPECT_EQ(progress.counts(), "1/4 done, 3 failed");
}

TEST(JobProgressTest, IgnoresWhatItCannotUseAndNeverPrintsControlCharacters) {
  JobProgress progress({"espeak"});
  EXPECT_EQ(progress.apply(event("block.done", "not json")), "");
  EXPECT_EQ(progress.apply(event("block.done", R"({"index": -1})")), "");
  EXPECT_EQ(progress.apply(event("block.done", R"({"index": 1000000000})")), "");
  EXPECT_EQ(progress.apply(event("message", R"({"index": 0})")), "");
  EXPECT_EQ(progress.apply(event("block.failed", R"({"index": 0, "reason": "\u001b[2Jgone"})")),
            "[0/1] block 0 (espeak) failed: ?[2Jgone");
  EXPECT_EQ(progress.counts(), "0/1 done, 1 failed");
}

}  // namespace
}  // namespace polyvox
