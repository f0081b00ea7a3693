// Loudness normalization (EBU R128 via libebur128): every block is brought to the same
// integrated loudness with a true-peak ceiling, so that blocks from different engines sound
// equally loud.
#pragma once

#include <cstdint>
#include <span>

#include "audio/pcm.h"
#include "core/error.h"

namespace polyvox::audio {

struct LoudnessTarget {
  double integrated_lufs = -16.0;
  double max_true_peak_dbtp = -1.0;
  double tolerance_lu = 0.5;  // how far below integrated_lufs limiting may leave the result
};

// An RMS level (ACX's measure) for a clip that will be followed by `silent_samples` of silence
// in the file (its pause, room tone): the RMS is of the clip and that silence together, so that
// clips that each meet it make a file that meets it.
struct RmsTarget {
  double rms_db = -20.0;
  int64_t silent_samples = 0;
  double max_true_peak_dbtp = -3.0;
  double tolerance_db = 0.2;  // how far below rms_db limiting may leave the result
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

// As normalize_loudness, to an RMS level instead (report: input_lufs and gain_db in RMS dB):
// gain, then the limiter as needed to keep the true peak <= target.max_true_peak_dbtp, and more
// gain when limiting took the RMS below target.rms_db - tolerance_db (a clip too short for its
// silence may not get there: the caller measures the result). Thread-safe.
Result<LoudnessReport> normalize_rms(PcmBuffer& pcm, const RmsTarget& target);

}  // namespace polyvox::audio
