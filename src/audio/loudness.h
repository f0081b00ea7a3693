// Loudness normalization (EBU R128 via libebur128): every block is brought to the same
// integrated loudness with a true-peak ceiling, so that blocks from different engines sound
// equally loud.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

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

// Integrated loudness (and true peak) of mono samples that arrive in chunks, as measure_loudness
// measures them whole: a clip shorter than a second is measured as if repeated (it keeps up to
// a second of samples for that). Not thread-safe.
class LoudnessMeter {
 public:
  // kInternal when the meter cannot be initialized.
  static Result<LoudnessMeter> create(int sample_rate, bool with_true_peak);
  LoudnessMeter(LoudnessMeter&&) noexcept;
  LoudnessMeter& operator=(LoudnessMeter&&) noexcept;
  ~LoudnessMeter();

  // Measures the next samples. kInternal when the meter fails.
  Status add(std::span<const float> samples);
  // The measurement of everything added. Call once, after the last add().
  Result<LoudnessMeasurement> finish();

 private:
  struct State;
  explicit LoudnessMeter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Integrated loudness and true peak of mono `samples`. Clips shorter than the 400 ms gating
// block are measured as if repeated to 1 s, so that short words get a finite loudness. The true
// peak (4x oversampling) costs most; without `with_true_peak` it is reported as -inf.
// Thread-safe.
Result<LoudnessMeasurement> measure_loudness(std::span<const float> samples, int sample_rate,
                                             bool with_true_peak = true);

// A block's samples from the start, in consecutive chunks passed to `sink` (each valid during the
// call only), every time it is called: one pass over them.
using SampleSink = std::function<void(std::span<const float>)>;
using SampleStream = std::function<void(const SampleSink& sink)>;

// One step of a normalization: a gain, or a look-ahead peak limiter (its output lags its input
// by a few milliseconds; a stream's end flushes it).
struct LoudnessStep {
  enum class Kind { kGain, kLimit };
  Kind kind = Kind::kGain;
  float value = 1.0f;  // the gain factor, or the limiter's ceiling (linear)
};

// What normalize_loudness does to some samples: the report and the steps, in order.
struct LoudnessPlan {
  LoudnessReport report;
  std::vector<LoudnessStep> steps;
};

// What normalize_loudness would do to the samples `stream` gives, decided without holding them:
// each measurement is a pass over the stream with the steps decided so far applied (3 to 10
// passes). Thread-safe.
Result<LoudnessPlan> plan_loudness(const SampleStream& stream, int sample_rate,
                                   const LoudnessTarget& target = {});

// Applies a plan's steps to samples that arrive in chunks: the same samples, sample for sample,
// as normalize_loudness makes of the whole. Not thread-safe.
class LoudnessProcessor {
 public:
  LoudnessProcessor(std::vector<LoudnessStep> steps, int sample_rate);
  LoudnessProcessor(LoudnessProcessor&&) noexcept;
  ~LoudnessProcessor();

  // Processes the next samples; `out` is replaced with the processed samples that are ready
  // (as many as came in, once the limiters' look-ahead is filled).
  void process(std::span<const float> in, std::vector<float>& out);
  // Ends the input: `out` is replaced with the samples the limiters still held.
  void finish(std::vector<float>& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// normalize_loudness of `pcm` as if it had `before` samples of silence in front of it and
// `after` behind it (a block measured with the gating windows around it in the file), without
// adding them: `pcm` ends as the part of what normalize_loudness makes of the padded samples
// that it was, sample for sample, and no copy of it is made. Thread-safe.
Result<LoudnessReport> normalize_loudness_padded(PcmBuffer& pcm, std::size_t before,
                                                 std::size_t after,
                                                 const LoudnessTarget& target = {});

// Applies gain (and, when the gain would push the true peak over the ceiling, a look-ahead peak
// limiter) so that `pcm` ends at target.integrated_lufs (± target.tolerance_lu) with true peak <=
// target.max_true_peak_dbtp. Digital silence is left unchanged (after = before). It is
// plan_loudness and a LoudnessProcessor over the whole buffer. Thread-safe.
Result<LoudnessReport> normalize_loudness(PcmBuffer& pcm, const LoudnessTarget& target = {});

// As normalize_loudness, to an RMS level instead (report: input_lufs and gain_db in RMS dB):
// gain, then the limiter as needed to keep the true peak <= target.max_true_peak_dbtp, and more
// gain when limiting took the RMS below target.rms_db - tolerance_db (a clip too short for its
// silence may not get there: the caller measures the result). Thread-safe.
Result<LoudnessReport> normalize_rms(PcmBuffer& pcm, const RmsTarget& target);

}  // namespace polyvox::audio
