#include "audio/silence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace polyvox::audio {

double peak_dbfs(std::span<const float> samples) {
  float peak = 0.0f;
  for (float s : samples) peak = std::max(peak, std::fabs(s));
  return peak > 0.0f ? 20.0 * std::log10(peak) : -std::numeric_limits<double>::infinity();
}

SpeechBounds find_speech(std::span<const float> samples, int sample_rate,
                         const TrimOptions& options) {
  SpeechBounds bounds;
  const double peak = peak_dbfs(samples);
  if (!std::isfinite(peak)) return bounds;
  const double threshold_db = std::max(options.absolute_floor_dbfs, peak + options.relative_db);
  const auto threshold = static_cast<float>(std::pow(10.0, threshold_db / 20.0));

  const auto is_sound = [&](float s) { return std::fabs(s) > threshold; };
  const auto first = std::find_if(samples.begin(), samples.end(), is_sound);
  if (first == samples.end()) return bounds;
  const auto last = std::find_if(samples.rbegin(), samples.rend(), is_sound);

  const std::size_t keep = static_cast<std::size_t>(options.keep_ms * sample_rate / 1000.0);
  const auto sound_begin = static_cast<std::size_t>(first - samples.begin());
  const std::size_t sound_end = samples.size() - static_cast<std::size_t>(last - samples.rbegin());
  bounds.begin = sound_begin > keep ? sound_begin - keep : 0;
  bounds.end = std::min(samples.size(), sound_end + keep);
  bounds.quiet_tail = bounds.end - sound_end;
  bounds.silent = false;
  return bounds;
}

}  // namespace polyvox::audio
