// Waveform peaks for drawing audio without decoding it in the browser: the lowest and highest
// sample of each window of sample_rate / peaks_per_second samples, fed piece by piece (a job's
// segments in order, each placed where the manifest says), so that a long file is summarized
// one segment at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace polyvox::audio {

inline constexpr int kPeaksPerSecond = 50;
// The most pairs a waveform is summarized in (8 MB of floats; 5.8 hours at kPeaksPerSecond):
// past it fewer peaks per second are taken, so that an 80-hour job's waveform stays as small.
inline constexpr int64_t kMaxPeakPairs = int64_t{1} << 20;

// The peaks per second for a file of `samples` at `sample_rate`: the most, up to
// kPeaksPerSecond, that divide `sample_rate` (windows of a whole number of samples: the rate said
// is the rate made) and whose windows number at most `max_pairs`; 1 when none does.
// REQUIRES: sample_rate > 0, max_pairs > 0.
int peaks_per_second_for(int64_t samples, int sample_rate, int64_t max_pairs = kMaxPeakPairs);

class PeakAccumulator {
 public:
  // REQUIRES: sample_rate > 0, 0 < peaks_per_second <= sample_rate.
  PeakAccumulator(int sample_rate, int peaks_per_second);

  // Adds the next samples (mono, nominally within [-1, 1]; clamped to it).
  void add(std::span<const float> samples);

  // Adds `count` samples of silence (nothing when count <= 0).
  void add_silence(int64_t count);

  // The min/max pairs so far, flattened (min0, max0, min1, max1, ...), the last window included
  // even when partial. One pair per started window: ceil(samples / window).
  std::vector<float> pairs() const;

  int64_t samples() const { return samples_; }

 private:
  int64_t window_;            // samples per peak
  int64_t samples_ = 0;       // samples added
  std::vector<float> pairs_;  // complete windows
  float min_ = 0, max_ = 0;   // the window being filled
};

}  // namespace polyvox::audio
