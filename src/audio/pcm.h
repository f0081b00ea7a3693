// Decoded audio inside Polyvox: mono float samples in [-1, 1] at a known sample rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/word_timing.h"

namespace polyvox::audio {

struct PcmBuffer {
  int sample_rate = 0;
  std::vector<float> samples;  // mono

  double duration_ms() const {
    return sample_rate > 0 ? 1000.0 * static_cast<double>(samples.size()) / sample_rate : 0.0;
  }
};

// Number of samples in `ms` milliseconds at `rate`, rounded to the nearest sample.
inline int64_t ms_to_samples(double ms, int rate) {
  return static_cast<int64_t>(ms * rate / 1000.0 + 0.5);
}
inline double samples_to_ms(int64_t samples, int rate) {
  return rate > 0 ? 1000.0 * static_cast<double>(samples) / rate : 0.0;
}

// How a provider's answer is encoded.
enum class AudioEncoding {
  kContainer,  // anything FFmpeg can probe: MP3, WAV, Ogg Opus, FLAC, AAC (ADTS), ...
  kPcmS16le,   // raw signed 16-bit little-endian mono without header, at `sample_rate`
};

struct EncodedAudio {
  std::string bytes;
  AudioEncoding encoding = AudioEncoding::kContainer;
  int sample_rate = 0;  // REQUIRED for kPcmS16le; ignored otherwise
  // Where the provider says the words of its text are heard in this audio, when it says so
  // (marks.source empty: it does not). Not part of the bytes: the audio cache keeps them beside.
  SpeechMarks marks;
};

}  // namespace polyvox::audio
