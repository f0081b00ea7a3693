// What the job store keeps of a job and its blocks: the validated spec plus progress, results
// and errors. Plain data shared by every JobStore/TaskQueue implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/usage.h"

namespace polyvox {

enum class JobStatus { kQueued, kProcessing, kCompleted, kFailed, kCancelled };
enum class BlockStatus { kQueued, kProcessing, kDone, kFailed, kCancelled };

// "queued", "processing", ... (the API's spelling); "unknown" for a value outside the enum (an
// integer read from a store: another version's, a damaged record).
const char* job_status_name(JobStatus status);
const char* block_status_name(BlockStatus status);
std::optional<JobStatus> parse_job_status(std::string_view name);
std::optional<BlockStatus> parse_block_status(std::string_view name);
// A block's fallback voices as stored by every backend (JSON array of {"provider", "voice"}) and
// back (an empty list for malformed text).
std::string fallback_to_json(const std::vector<VoiceChoice>& fallback);
std::vector<VoiceChoice> fallback_from_json(const std::string& json);

// Completed, failed and cancelled jobs are finished: nothing will run for them any more.
inline bool is_finished(JobStatus s) {
  return s == JobStatus::kCompleted || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

// What a worker reports when a block's segment is stored.
struct BlockResult {
  std::string segment_key;  // BlobStore key of the encoded segment
  int64_t speech_samples = 0;
  int64_t pause_samples = 0;
  std::string provider;  // who finally spoke
  std::string voice_id;
  std::vector<ProviderUsage> usage;  // what this attempt cost, per provider asked
  // The text the provider was given when the block is Arabic (its diacritized text, what was
  // actually spoken); empty for other blocks.
  std::string spoken_text;
  // Its words and when each is heard, relative to its speech's start (BlockTimings::to_json);
  // empty when the worker had timings off, and for blocks done before timings existed. Kept as
  // text: only the assembly reads it (polls of the job need not parse it).
  std::string timing_json;
};

struct BlockRecord {
  std::size_t index = 0;
  BlockSpec spec;
  BlockStatus status = BlockStatus::kQueued;
  int attempts = 0;                   // times a worker claimed the block's task
  std::string error;                  // last error; the final one when failed
  std::optional<BlockResult> result;  // when done (its usage empty: see `usage`)
  // What the block has cost so far, per provider: every reported attempt, failed ones included.
  std::vector<ProviderUsage> usage;
};

// What a worker reports when the final file is stored.
struct AssemblyOutcome {
  std::string result_key;     // BlobStore key of the final file
  std::string manifest_json;  // core/manifest.h Manifest::to_json()
  int64_t bytes = 0;
};

struct JobRecord {
  std::string id;          // UUID v4
  std::string owner;       // the owner's user id (User::id)
  std::string owner_name;  // the owner's user name when the job was submitted (display only)
  std::string project_id;
  std::string parent_id;  // the job this one revises ('' for an original: NewJob::parent_id)
  OutputFormat output_format = OutputFormat::kMp3;
  // As submitted (JobSpec). POST /tts fixes the rate at submission; 0 (jobs stored before it, or
  // made without it) is the worker's default. Events that count samples carry a nonzero rate.
  int sample_rate = 0;
  int bitrate_kbps = 0;                                // 0: the format's default
  DeliveryProfile profile = DeliveryProfile::kServer;  // as submitted
  std::string cover_url;                               // as submitted ("" = none)
  JobStatus status = JobStatus::kQueued;
  std::size_t blocks_total = 0;
  std::size_t blocks_done = 0;            // never decreases
  bool interactive = false;               // JobSpec::interactive as submitted
  std::string error;                      // why the job failed
  std::optional<AssemblyOutcome> result;  // when completed
  int64_t created_at_ms = 0;              // Unix epoch milliseconds
  int64_t updated_at_ms = 0;
  std::vector<BlockRecord> blocks;  // filled only when asked for
};

}  // namespace polyvox
