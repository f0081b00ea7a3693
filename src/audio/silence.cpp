#include "audio/silence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace polyvox::audio {
namespace {

double to_dbfs(float peak) {
  return peak > 0.0f ? 20.0 * std::log10(peak) : -std::numeric_limits<double>::infinity();
}

// find_speech over `n` samples, sample i being at(i).
template <typename At>
SpeechBounds find_speech_in(std::size_t n, At at, int sample_rate, const TrimOptions& options) {
  SpeechBounds bounds;
  float peak_level = 0.0f;
  for (std::size_t i = 0; i < n; ++i) peak_level = std::max(peak_level, std::fabs(at(i)));
  const double peak = to_dbfs(peak_level);
  if (!std::isfinite(peak)) return bounds;
  const double threshold_db = std::max(options.absolute_floor_dbfs, peak + options.relative_db);
  const auto threshold = static_cast<float>(std::pow(10.0, threshold_db / 20.0));

  const auto is_sound = [&](std::size_t i) { return std::fabs(at(i)) > threshold; };
  std::size_t sound_begin = 0;
  while (sound_begin < n && !is_sound(sound_begin)) ++sound_begin;
  if (sound_begin == n) return bounds;
  std::size_t sound_end = n;  // one past the last sound
  while (!is_sound(sound_end - 1)) --sound_end;

  const std::size_t keep = static_cast<std::size_t>(options.keep_ms * sample_rate / 1000.0);
  bounds.begin = sound_begin > keep ? sound_begin - keep : 0;
  bounds.end = std::min(n, sound_end + keep);
  bounds.quiet_tail = bounds.end - sound_end;
  bounds.silent = false;
  return bounds;
}

}  // namespace

double peak_dbfs(std::span<const float> samples) {
  float peak = 0.0f;
  for (float s : samples) peak = std::max(peak, std::fabs(s));
  return to_dbfs(peak);
}

SpeechBounds find_speech(std::span<const float> samples, int sample_rate,
                         const TrimOptions& options) {
  return find_speech_in(
      samples.size(), [samples](std::size_t i) { return samples[i]; }, sample_rate, options);
}

SpeechBounds find_speech(const SpeechSamples& samples, const TrimOptions& options) {
  return find_speech_in(
      samples.size(), [&samples](std::size_t i) { return samples.at(i); }, samples.sample_rate(),
      options);
}

}  // namespace polyvox::audio
