// Finding where speech starts and ends, so that a provider's own leading/trailing silence does
// not add to the pause the user asked for.
#pragma once

#include <cstddef>
#include <span>

#include "audio/speech_samples.h"

namespace polyvox::audio {

struct TrimOptions {
  // A sample is sound when louder than max(absolute_floor_dbfs, peak_dbfs + relative_db).
  double absolute_floor_dbfs = -60.0;
  double relative_db = -45.0;
  // Silence kept before the first and after the last sound, at most.
  double keep_ms = 50.0;
};

struct SpeechBounds {
  std::size_t begin = 0;       // first kept sample
  std::size_t end = 0;         // one past the last kept sample
  std::size_t quiet_tail = 0;  // samples in [begin, end) after the last sound (<= keep_ms)
  bool silent = true;          // no sample is sound: begin == end == 0
};

// The range of `samples` to keep: from keep_ms before the first sound to keep_ms after the last
// (clamped to the buffer). Thread-safe, pure.
SpeechBounds find_speech(std::span<const float> samples, int sample_rate,
                         const TrimOptions& options = {});
// The same of a block's speech (at its own rate), read in place.
SpeechBounds find_speech(const SpeechSamples& samples, const TrimOptions& options = {});

// Peak level in dBFS of `samples`; -inf for digital silence.
double peak_dbfs(std::span<const float> samples);

}  // namespace polyvox::audio
