#include "audio/file_loudness.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "audio/loudness.h"

namespace polyvox::audio {
namespace {

double energy_db(double energy, std::size_t n) {
  return n > 0 && energy > 0 ? 10.0 * std::log10(energy / static_cast<double>(n))
                             : -std::numeric_limits<double>::infinity();
}

// The lowest RMS over windows of `window` samples (a running sum: one pass).
double quietest_window_db(std::span<const float> x, std::size_t window) {
  double energy = 0.0;
  const std::size_t first = std::min(window, x.size());
  for (std::size_t i = 0; i < first; ++i) energy += static_cast<double>(x[i]) * x[i];
  if (x.size() <= window) return energy_db(energy, x.size());
  double lowest = energy;
  for (std::size_t i = window; i < x.size(); ++i) {
    energy += static_cast<double>(x[i]) * x[i] - static_cast<double>(x[i - window]) * x[i - window];
    lowest = std::min(lowest, std::max(energy, 0.0));  // rounding must not go below silence
  }
  return energy_db(lowest < 1e-18 ? 0.0 : lowest, window);
}

}  // namespace

Result<FileLoudness> measure_file_loudness(std::span<const float> samples, int sample_rate) {
  auto r128 = measure_loudness(samples, sample_rate, true);
  if (!r128) return r128.take_error();
  FileLoudness m;
  m.integrated_lufs = r128->integrated_lufs;
  m.true_peak_dbtp = r128->true_peak_dbtp;
  double energy = 0.0;
  for (float s : samples) energy += static_cast<double>(s) * s;
  m.rms_db = energy_db(energy, samples.size());
  const auto window =
      static_cast<std::size_t>(static_cast<int64_t>(sample_rate) * kNoiseWindowMs / 1000);
  m.noise_floor_db = quietest_window_db(samples, window);
  const auto threshold = static_cast<float>(std::pow(10.0, kSilenceDbfs / 20.0));
  auto loud = [threshold](float s) { return std::fabs(s) >= threshold; };
  const auto first = std::find_if(samples.begin(), samples.end(), loud);
  const auto last = std::find_if(samples.rbegin(), samples.rend(), loud);
  const auto to_ms = [sample_rate](std::ptrdiff_t n) {
    return static_cast<int>(static_cast<int64_t>(n) * 1000 / std::max(sample_rate, 1));
  };
  m.lead_ms = to_ms(first - samples.begin());
  m.tail_ms = to_ms(last - samples.rbegin());
  return m;
}

}  // namespace polyvox::audio
