#include "audio/speech_samples.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace polyvox::audio {

SpeechSamples::SpeechSamples(PcmBuffer pcm) : pcm_(std::move(pcm)) {}

SpeechSamples SpeechSamples::from_pcm16(EncodedAudio audio) {
  SpeechSamples samples;
  samples.raw_ = std::move(audio);
  return samples;
}

void SpeechSamples::read(std::size_t offset, std::span<float> out) const {
  if (!raw_) {
    std::copy_n(pcm_.samples.begin() + static_cast<std::ptrdiff_t>(offset), out.size(),
                out.begin());
    return;
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = at(offset + i);
}

void SpeechSamples::stream(std::size_t begin, std::size_t end,
                           const std::function<void(std::span<const float>)>& sink) const {
  if (!raw_) {
    for (std::size_t at = begin; at < end; at += kChunk) {
      sink(std::span<const float>(pcm_.samples).subspan(at, std::min(kChunk, end - at)));
    }
    return;
  }
  std::vector<float> chunk(std::min(kChunk, end - begin));
  for (std::size_t at = begin; at < end; at += kChunk) {
    const std::span<float> part(chunk.data(), std::min(kChunk, end - at));
    read(at, part);
    sink(part);
  }
}

PcmBuffer SpeechSamples::take_pcm() && {
  if (!raw_) return std::exchange(pcm_, PcmBuffer{});
  PcmBuffer pcm;
  pcm.sample_rate = raw_->sample_rate;
  pcm.samples.resize(size());
  read(0, pcm.samples);
  raw_.reset();
  return pcm;
}

}  // namespace polyvox::audio
