// Where each block sits in a rendered file: the manifest written beside `polyvox synth` output
// and returned by GET /result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/chapters.h"
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
  std::vector<Chapter> chapters;  // core/chapters.h: place_chapters
  DeliveryProfile profile = DeliveryProfile::kServer;
  std::optional<FileLoudness> loudness;  // measured on the final file (jobs with a profile)

  // {"format", "sample_rate", "duration_ms", "blocks": [{"index", "provider", "voice",
  //  "offset_ms", "speech_ms", "pause_ms", "timing_source", "spoken_text" (only when not empty),
  //  "words": [{"text", "start_ms", "end_ms"}]}]}; times in milliseconds with 3 decimals, words'
  //  relative to their block's offset_ms. "words" only `with_words` (the stored manifest has them;
  //  GET /result shows them on request: drop_words). With chapters, "chapters": [{"title",
  //  "start_ms", "end_ms"}]; with a profile, "profile" (its name) and, once measured, "loudness":
  //  {"integrated_lufs", "true_peak_dbtp", "rms_db", "noise_floor_db", "lead_ms", "tail_ms"}
  //  (levels with 2 decimals, null for -inf).
  std::string to_json(int indent = 2, bool with_words = true) const;
};

// `manifest_json` (Manifest::to_json) without its blocks' "words", as compact JSON; the text
// unchanged when it is not a manifest.
std::string drop_words(const std::string& manifest_json);

}  // namespace polyvox
