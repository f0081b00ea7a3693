// Where each block sits in a rendered file: the manifest written beside `polyvox synth` output
// and returned by GET /result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/job.h"

namespace polyvox {

// Milliseconds of `samples` at `sample_rate`, with 3 decimals: how the manifest and the job
// events state times, so that the two agree (0 when the rate is not positive).
double manifest_ms(int64_t samples, int sample_rate);

struct BlockTiming {
  std::size_t index = 0;
  std::string provider;
  std::string voice;
  int64_t offset_samples = 0;  // where the block's speech starts in the file
  int64_t speech_samples = 0;
  int64_t pause_samples = 0;  // digital silence after the speech
  std::string spoken_text;    // an Arabic block's diacritized text (what was spoken); else empty
};

struct Manifest {
  OutputFormat format = OutputFormat::kMp3;
  int sample_rate = 0;
  int64_t total_samples = 0;
  std::vector<BlockTiming> blocks;

  // {"format", "sample_rate", "duration_ms", "blocks": [{"index", "provider", "voice",
  //  "offset_ms", "speech_ms", "pause_ms", "spoken_text" (only when not empty)}]}; times in
  //  milliseconds with 3 decimals.
  std::string to_json(int indent = 2) const;
};

}  // namespace polyvox
