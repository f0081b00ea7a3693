// A block's decoded speech as the block pipeline keeps it between its stages: as compactly as its
// source allows. A provider's raw 16-bit PCM answer (the local voices') stays the answer itself,
// 2 bytes a sample, instead of becoming float PCM (4 bytes a sample); anything else is float PCM.
// The streaming stages (trim, loudness, resampling, encoding) read it in float chunks, so a
// block's speech is held whole once, in its smallest form.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>

#include "audio/pcm.h"

namespace polyvox::audio {

class SpeechSamples {
 public:
  SpeechSamples() = default;
  // Float PCM, kept as it is.
  explicit SpeechSamples(PcmBuffer pcm);
  // A kPcmS16le answer, kept as it is (its bytes are the samples).
  // REQUIRES: audio.encoding == kPcmS16le, audio.sample_rate > 0, an even number of bytes.
  static SpeechSamples from_pcm16(EncodedAudio audio);

  int sample_rate() const { return raw_ ? raw_->sample_rate : pcm_.sample_rate; }
  std::size_t size() const { return raw_ ? raw_->bytes.size() / 2 : pcm_.samples.size(); }

  // Sample i as float PCM: a 16-bit sample v is v / 32768 (what decode_audio makes of it).
  // REQUIRES: i < size().
  float at(std::size_t i) const {
    if (!raw_) return pcm_.samples[i];
    const auto* p = reinterpret_cast<const unsigned char*>(raw_->bytes.data()) + 2 * i;
    return static_cast<float>(static_cast<int16_t>(p[0] | (p[1] << 8))) / 32768.0f;
  }

  // Samples [offset, offset + out.size()) as float PCM into `out`.
  // REQUIRES: offset + out.size() <= size().
  void read(std::size_t offset, std::span<float> out) const;

  // Samples [begin, end) as float PCM, in consecutive chunks of at most kChunk samples, each
  // passed to `sink` (valid during the call only). REQUIRES: begin <= end <= size().
  static constexpr std::size_t kChunk = 8192;
  void stream(std::size_t begin, std::size_t end,
              const std::function<void(std::span<const float>)>& sink) const;

  // The 16-bit answer these samples are, or null when they are float PCM.
  const EncodedAudio* pcm16() const { return raw_ ? &*raw_ : nullptr; }

  // The samples as float PCM (for the stages that need them whole); leaves this empty.
  PcmBuffer take_pcm() &&;

 private:
  std::optional<EncodedAudio> raw_;  // a kPcmS16le answer, when set
  PcmBuffer pcm_;                    // otherwise
};

}  // namespace polyvox::audio
