// Where a job's audio lives in the BlobStore: "jobs/<job
// id>/segments/<block>-<attempt>-<worker>.<format>" for a block's segment, "jobs/<job
// id>/final_audio-<attempt>-<worker>.<format>" for the final file. The attempt and the worker are
// part of the key: a stale worker's late upload never overwrites (nor, once refused, deletes) what
// the accepted attempt stored, even when a backend that lost its last writes hands the same attempt
// number out twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/job.h"
#include "jobs/task_queue.h"

namespace polyvox {

// "jobs/": every key of every job starts with it.
inline constexpr const char* kJobBlobsPrefix = "jobs/";

// The key of the segment `task` (kBlock) stores: ".mp3" for mp3 jobs, ".wav" for every other
// format (segments stay lossless until the final encode).
std::string segment_key(const Task& task, OutputFormat format);

// The key of the final file `task` (kAssemble) stores.
std::string result_key(const Task& task, OutputFormat format);

// The job a blob key belongs to ("jobs/<id>/..."), or "" for a key outside any job's directory.
std::string job_of_blob_key(const std::string& key);

// Block and attempt of a segment key of job `job_id`; nullopt for any other key.
struct SegmentOfKey {
  std::size_t block_index = 0;
  int64_t attempt = 0;
};
std::optional<SegmentOfKey> parse_segment_key(const std::string& job_id, const std::string& key);

}  // namespace polyvox
