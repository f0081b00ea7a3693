// What a delivery profile (core/delivery_profile.h) checks, measured on a final file's decoded
// samples: integrated loudness and true peak (EBU R128, libebur128), RMS, noise floor and the
// silence at both ends.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "audio/loudness.h"
#include "core/delivery_profile.h"
#include "core/error.h"

namespace polyvox::audio {

// Below this a sample is silence for lead_ms and tail_ms (-60 dBFS, ACX's noise floor).
inline constexpr double kSilenceDbfs = -60.0;
// The noise floor is the RMS of the quietest window of this length (ACX measures it over room
// tone of at least half a second).
inline constexpr int kNoiseWindowMs = 500;

// Measures mono samples that arrive in chunks, in one pass, holding half a second of them (the
// noise floor's window) and at most a second more (LoudnessMeter): a final file of hours is
// measured as it is decoded. The figures are those of measure_file_loudness on the whole, bit for
// bit. Not thread-safe.
class FileLoudnessMeter {
 public:
  // kInternal when the loudness meter cannot be initialized.
  static Result<FileLoudnessMeter> create(int sample_rate);

  // Measures the next samples. kInternal when the loudness meter fails.
  Status add(std::span<const float> samples);
  // The figures of everything added (levels of silence are -inf). Call once, after the last add.
  Result<FileLoudness> finish();

 private:
  FileLoudnessMeter(LoudnessMeter r128, int sample_rate);

  LoudnessMeter r128_;
  int sample_rate_;
  float silence_threshold_;
  std::size_t count_ = 0;  // samples added
  double energy_ = 0.0;    // their sum of squares
  // The noise floor: the energy of the last window_.size() samples (a ring) and the lowest seen.
  std::vector<float> window_;
  double window_energy_ = 0.0;
  double lowest_window_energy_ = 0.0;
  std::size_t first_loud_ = 0;  // index of the first sample above the silence threshold
  std::size_t last_loud_ = 0;   // and of the last
  bool any_loud_ = false;
};

// Measures mono `samples` at `sample_rate` (a FileLoudnessMeter over them). Levels of silence are
// -inf. Fails (kInternal) when the loudness meter fails. Thread-safe.
Result<FileLoudness> measure_file_loudness(std::span<const float> samples, int sample_rate);

}  // namespace polyvox::audio
