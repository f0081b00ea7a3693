#include "audio/peaks.h"

#include <algorithm>

namespace polyvox::audio {

int peaks_per_second_for(int64_t samples, int sample_rate, int64_t max_pairs) {
  // Windows of a whole number of samples each, so that the rate said is the rate made.
  const auto pairs = [&](int per_second) {
    const int64_t window = sample_rate / per_second;
    return (std::max<int64_t>(samples, 0) + window - 1) / window;
  };
  for (int per_second = std::min(kPeaksPerSecond, sample_rate); per_second > 1; --per_second) {
    if (sample_rate % per_second == 0 && pairs(per_second) <= max_pairs) return per_second;
  }
  return 1;
}

PeakAccumulator::PeakAccumulator(int sample_rate, int peaks_per_second)
    : window_(std::max<int64_t>(1, sample_rate / std::max(1, peaks_per_second))) {}

void PeakAccumulator::add(std::span<const float> samples) {
  for (float sample : samples) {
    const float s = std::clamp(sample, -1.0f, 1.0f);
    if (samples_ % window_ == 0) {
      min_ = s;
      max_ = s;
    } else {
      min_ = std::min(min_, s);
      max_ = std::max(max_, s);
    }
    ++samples_;
    if (samples_ % window_ == 0) {
      pairs_.push_back(min_);
      pairs_.push_back(max_);
    }
  }
}

void PeakAccumulator::add_silence(int64_t count) {
  constexpr std::size_t kChunk = 4096;
  static constexpr float kZeros[kChunk] = {};
  while (count > 0) {
    const auto n = static_cast<std::size_t>(std::min<int64_t>(count, kChunk));
    add(std::span<const float>(kZeros, n));
    count -= static_cast<int64_t>(n);
  }
}

std::vector<float> PeakAccumulator::pairs() const {
  std::vector<float> all = pairs_;
  if (samples_ % window_ != 0) {
    all.push_back(min_);
    all.push_back(max_);
  }
  return all;
}

}  // namespace polyvox::audio
