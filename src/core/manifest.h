// Where each block sits in a rendered file: the manifest written beside `polyvox synth` output
// and returned by GET /result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/word_timing.h"

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
  std::string timing_source;  // BlockTimings::source ('' when the block has no timings)
  std::vector<WordTiming> words;  // relative to offset_samples
};

struct Manifest {
  OutputFormat format = OutputFormat::kMp3;
  int sample_rate = 0;
  int64_t total_samples = 0;
  std::vector<BlockTiming> blocks;

  // {"format", "sample_rate", "duration_ms", "blocks": [{"index", "provider", "voice",
  //  "offset_ms", "speech_ms", "pause_ms", "timing_source", "spoken_text" (only when not empty),
  //  "words": [{"text", "start_ms", "end_ms"}]}]}; times in milliseconds with 3 decimals, words'
  //  relative to their block's offset_ms. "words" only `with_words` (the stored manifest has them;
  //  GET /result shows them on request: drop_words).
  std::string to_json(int indent = 2, bool with_words = true) const;
};

// `manifest_json` (Manifest::to_json) without its blocks' "words", as compact JSON; the text
// unchanged when it is not a manifest.
std::string drop_words(const std::string& manifest_json);

}  // namespace polyvox
