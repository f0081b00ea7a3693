#include "audio/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <vector>

namespace polyvox::audio {
namespace {

struct Ebur128Destroyer {
  void operator()(ebur128_state* st) const { ebur128_destroy(&st); }
};

double to_db(double linear) {
  return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}

// Look-ahead peak limiter, in place: every sample ends at or below `ceiling` in magnitude. The
// gain envelope reaches its minimum before a peak (look-ahead window), moves smoothly (moving
// average) and recovers with an exponential release. Streaming: O(n) time, O(window) memory.
void limit_peaks(std::vector<float>& x, float ceiling, int rate) {
  const std::size_t n = x.size();
  const std::size_t half = std::max<std::size_t>(1, static_cast<std::size_t>(rate * 0.0025));
  const std::size_t hold = 2 * half;  // min window [i - hold, i + hold]
  const std::size_t delay = hold + half;
  const double release = 1.0 - std::exp(-1.0 / (0.060 * rate));

  auto required_gain = [&](std::size_t i) -> float {
    if (i >= n) return 1.0f;
    const float a = std::fabs(x[i]);
    return a > ceiling ? ceiling / a : 1.0f;
  };

  // Monotonic deque for the running minimum of required gains over [j - hold, j + hold].
  std::deque<std::pair<std::size_t, float>> window;
  // Ring of minima m[j] for the moving average over [k - half, k + half].
  const std::size_t avg_len = 2 * half + 1;
  std::vector<float> ring(avg_len, 1.0f);
  double ring_sum = static_cast<double>(avg_len);
  double envelope = 1.0;

  for (std::size_t i = 0; i < n + delay; ++i) {
    // 1. Admit required gain of sample i (x[i] is still original: we only write x[i - delay]).
    const float g = required_gain(i);
    while (!window.empty() && window.back().second >= g) window.pop_back();
    window.emplace_back(i, g);
    if (i < hold) continue;
    // 2. Minimum centred on j = i - hold.
    const std::size_t j = i - hold;
    while (window.front().first + 2 * hold < i) window.pop_front();
    const float m = window.front().second;
    ring_sum += m - ring[j % avg_len];
    ring[j % avg_len] = m;
    if (j < half) continue;
    // 3. Moving average centred on k = j - half, then release.
    const std::size_t k = j - half;
    if (k >= n) break;
    const double smoothed = ring_sum / static_cast<double>(avg_len);
    envelope = std::min(smoothed, envelope + (1.0 - envelope) * release);
    x[k] = static_cast<float>(x[k] * envelope);
  }
  // Numerical safety: the envelope guarantees the ceiling up to rounding.
  for (float& s : x) s = std::clamp(s, -ceiling, ceiling);
}

void apply_gain(std::vector<float>& x, double gain_db) {
  const auto factor = static_cast<float>(std::pow(10.0, gain_db / 20.0));
  for (float& s : x) s *= factor;
}

// Limits the peaks of `x` to `ceiling_db` (dBFS) when any sample is above it; true when it did.
bool limit_to(std::vector<float>& x, double ceiling_db, int rate) {
  const auto ceiling = static_cast<float>(std::pow(10.0, ceiling_db / 20.0));
  const bool over =
      std::any_of(x.begin(), x.end(), [&](float s) { return std::fabs(s) > ceiling; });
  if (over) limit_peaks(x, ceiling, rate);
  return over;
}

// RMS in dBFS of `x` followed by `silent` samples of silence.
double rms_db(std::span<const float> x, int64_t silent) {
  double energy = 0.0;
  for (float s : x) energy += static_cast<double>(s) * s;
  const double n = static_cast<double>(x.size()) + static_cast<double>(silent);
  return n > 0 && energy > 0 ? 10.0 * std::log10(energy / n)
                             : -std::numeric_limits<double>::infinity();
}

}  // namespace

Result<LoudnessMeasurement> measure_loudness(std::span<const float> samples, int sample_rate,
                                             bool with_true_peak) {
  const int mode = EBUR128_MODE_I | (with_true_peak ? EBUR128_MODE_TRUE_PEAK : 0);
  std::unique_ptr<ebur128_state, Ebur128Destroyer> st(
      ebur128_init(1, static_cast<unsigned long>(sample_rate), mode));
  if (!st) return Error{ErrorKind::kInternal, "cannot initialize the loudness meter", ""};
  // Gating needs 400 ms blocks: feed short clips repeatedly until there is at least 1 s.
  const auto min_samples = static_cast<std::size_t>(sample_rate);
  std::size_t fed = 0;
  do {
    if (!samples.empty() &&
        ebur128_add_frames_float(st.get(), samples.data(), samples.size()) != EBUR128_SUCCESS) {
      return Error{ErrorKind::kInternal, "loudness measurement failed", ""};
    }
    fed += samples.size();
  } while (!samples.empty() && fed < min_samples);

  LoudnessMeasurement m;
  double integrated = 0.0;
  if (ebur128_loudness_global(st.get(), &integrated) != EBUR128_SUCCESS) {
    return Error{ErrorKind::kInternal, "loudness measurement failed", ""};
  }
  m.integrated_lufs =
      std::isfinite(integrated) ? integrated : -std::numeric_limits<double>::infinity();
  m.true_peak_dbtp = -std::numeric_limits<double>::infinity();
  if (with_true_peak) {
    double peak = 0.0;
    if (ebur128_true_peak(st.get(), 0, &peak) != EBUR128_SUCCESS) {
      return Error{ErrorKind::kInternal, "true-peak measurement failed", ""};
    }
    m.true_peak_dbtp = to_db(peak);
  }
  return m;
}

Result<LoudnessReport> normalize_loudness(PcmBuffer& pcm, const LoudnessTarget& target) {
  LoudnessReport report;
  // The true peak is expensive (4x oversampling): measure the loudness alone first, apply the
  // gain, keep sample peaks under a ceiling with a margin for inter-sample overs, and only then
  // check the true peak, tightening the ceiling in the rare case the margin was not enough.
  auto input = measure_loudness(pcm.samples, pcm.sample_rate, false);
  if (!input) return input.take_error();
  report.input_lufs = input->integrated_lufs;
  report.output = *input;
  if (!std::isfinite(input->integrated_lufs)) return report;  // silence: nothing to do

  const double kTolerance = target.tolerance_lu;
  constexpr int kMaxRounds = 4;
  report.gain_db = target.integrated_lufs - input->integrated_lufs;
  apply_gain(pcm.samples, report.gain_db);
  double ceiling_db = target.max_true_peak_dbtp - 0.5;
  auto limit_if_needed = [&] {
    report.limited |= limit_to(pcm.samples, ceiling_db, pcm.sample_rate);
  };
  limit_if_needed();
  for (int round = 0; round < kMaxRounds; ++round) {
    auto m = measure_loudness(pcm.samples, pcm.sample_rate, true);
    if (!m) return m.take_error();
    report.output = *m;
    if (m->true_peak_dbtp > target.max_true_peak_dbtp) {
      ceiling_db -= m->true_peak_dbtp - target.max_true_peak_dbtp + 0.2;
    } else if (m->integrated_lufs < target.integrated_lufs - kTolerance) {
      // Limiting took loudness away: make it up, then limit again.
      apply_gain(pcm.samples, target.integrated_lufs - m->integrated_lufs);
    } else {
      break;
    }
    limit_if_needed();
  }
  return report;
}

Result<LoudnessReport> normalize_rms(PcmBuffer& pcm, const RmsTarget& target) {
  LoudnessReport report;
  const double input = rms_db(pcm.samples, target.silent_samples);
  report.input_lufs = input;
  if (!std::isfinite(input)) return report;  // silence: nothing to do
  // Gain and limiting in turns until the limiter no longer takes the RMS below the target
  // (cheap: sample peaks only), then the true peak checked, tightening the ceiling if needed.
  constexpr int kMaxRounds = 12;
  constexpr int kMaxCeilingPasses = 3;
  report.gain_db = target.rms_db - input;
  apply_gain(pcm.samples, report.gain_db);
  double ceiling_db = target.max_true_peak_dbtp - 0.5;
  for (int pass = 0; pass < kMaxCeilingPasses; ++pass) {
    report.limited |= limit_to(pcm.samples, ceiling_db, pcm.sample_rate);
    for (int round = 0; round < kMaxRounds; ++round) {
      const double rms = rms_db(pcm.samples, target.silent_samples);
      if (rms >= target.rms_db - target.tolerance_db) break;
      apply_gain(pcm.samples, target.rms_db - rms);  // limiting took energy away: make it up
      report.limited |= limit_to(pcm.samples, ceiling_db, pcm.sample_rate);
    }
    auto m = measure_loudness(pcm.samples, pcm.sample_rate, true);
    if (!m) return m.take_error();
    report.output = *m;
    if (m->true_peak_dbtp <= target.max_true_peak_dbtp) break;
    ceiling_db -= m->true_peak_dbtp - target.max_true_peak_dbtp + 0.2;
  }
  return report;
}

}  // namespace polyvox::audio
