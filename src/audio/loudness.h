// Loudness normalization (EBU R128 via libebur128): every block is brought to the same
// integrated loudness with a true-peak ceiling, so that blocks from different engines sound
// equally loud.
#pragma once

#include <span>

#include "audio/pcm.h"
#include "core/error.h"

namespace polyvox::audio {

struct LoudnessTarget {
  double integrated_lufs = -16.0;
  double max_true_peak_dbtp = -1.0;
};

struct LoudnessMeasurement {
  double integrated_lufs = 0.0;  // -inf for silence
  double true_peak_dbtp = 0.0;   // -inf for silence
};

struct LoudnessReport {
  double input_lufs = 0.0;     // integrated loudness before (-inf for silence)
  LoudnessMeasurement output;  // after normalization
  double gain_db = 0.0;        // gain applied before any limiting
  bool limited = false;        // a peak limiter had to act to honour the true-peak ceiling
};

// Integrated loudness and true peak of mono `samples`. Clips shorter than the 400 ms gating
// block are measured as if repeated to 1 s, so that short words get a finite loudness. The true
// peak (4x oversampling) costs most; without `with_true_peak` it is reported as -inf.
// Thread-safe.
Result<LoudnessMeasurement> measure_loudness(std::span<const float> samples, int sample_rate,
                                             bool with_true_peak = true);

// Applies gain (and, when the gain would push the true peak over the ceiling, a look-ahead peak
// limiter) so that `pcm` ends at target.integrated_lufs (±0.5 LU) with true peak <=
// target.max_true_peak_dbtp. Digital silence is left unchanged (after = before).
// Thread-safe.
Result<LoudnessReport> normalize_loudness(PcmBuffer& pcm, const LoudnessTarget& target = {});

}  // namespace polyvox::audio
