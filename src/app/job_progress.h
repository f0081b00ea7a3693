// What `polyvox submit` learns of its job from the job's events (GET /jobs/{id}/events): each
// block's state, how the job ended, and what to tell a person, as one line per event or as one
// status line redrawn in place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/sse_parser.h"

namespace polyvox {

class JobProgress {
 public:
  enum class End { kRunning, kCompleted, kFailed, kCancelled };

  // `providers`: each block's provider as the job file names it ("" where it names none: the
  // server's default, learnt when the block is done).
  explicit JobProgress(std::vector<std::string> providers = {});

  // Applies one event of the stream and returns what it says as one line, e.g. "[1/3] block 0
  // (espeak, en-us): done, 1.2 s of speech"; "" for an event a person does not need
  // (block.placed, types this client does not know, data that is not the JSON it expects).
  // Text from the server is made terminal-safe.
  std::string apply(const http::SseEvent& event);

  End end() const { return end_; }
  // Why the job failed (job.failed's error, or the failed snapshot's), "" when unknown.
  const std::string& failure() const { return failure_; }
  // The job's audio length from job.completed, in milliseconds; -1 when not known.
  int64_t duration_ms() const { return duration_ms_; }

  // "12/20 done, 1 retrying": the blocks by state (states with no block left out).
  std::string counts() const;
  // counts() and what the last event said: "12/20 done, 1 retrying — block 7 (elevenlabs)
  // retrying in 2 s".
  std::string status_line() const;

 private:
  enum class BlockState { kQueued, kProcessing, kRetrying, kDone, kFailed, kCancelled };
  struct Block {
    BlockState state = BlockState::kQueued;
    std::string provider;
    std::string voice;
  };

  // The block an event names; null when the index is not a block of the job.
  Block* block_at(int64_t index);
  // "block 7 (elevenlabs, rachel)".
  std::string block_name(int64_t index) const;
  std::size_t count(BlockState state) const;

  std::vector<Block> blocks_;
  End end_ = End::kRunning;
  std::string failure_;
  int64_t duration_ms_ = -1;
  std::string last_said_;  // the last non-empty apply() without its "[n/m] " prefix
};

}  // namespace polyvox
