// What a delivery profile (core/delivery_profile.h) checks, measured on a final file's decoded
// samples: integrated loudness and true peak (EBU R128, libebur128), RMS, noise floor and the
// silence at both ends.
#pragma once

#include <span>

#include "core/delivery_profile.h"
#include "core/error.h"

namespace polyvox::audio {

// Below this a sample is silence for lead_ms and tail_ms (-60 dBFS, ACX's noise floor).
inline constexpr double kSilenceDbfs = -60.0;
// The noise floor is the RMS of the quietest window of this length (ACX measures it over room
// tone of at least half a second).
inline constexpr int kNoiseWindowMs = 500;

// Measures mono `samples` at `sample_rate`. Levels of silence are -inf. Fails (kInternal) when
// the loudness meter fails. Thread-safe.
Result<FileLoudness> measure_file_loudness(std::span<const float> samples, int sample_rate);

}  // namespace polyvox::audio
