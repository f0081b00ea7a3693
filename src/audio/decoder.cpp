#include "audio/decoder.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "audio/audio_module.h"
#include "audio/container_decoder.h"
#include "audio/ffmpeg_module.h"
#include "audio/resampler.h"

namespace polyvox::audio {
namespace {

Error undecodable(const std::string& what) {
  return Error{ErrorKind::kSynthesisFailed, "undecodable audio: " + what, ""};
}

// The FFmpeg module, loaded once on first use (audio_module.h says where from).
ContainerDecodeFn container_decoder(std::string& error) {
  static ModuleFunction<ContainerDecodeFn> decode(kFfmpegModule, kContainerDecoderSymbol);
  return decode.get(error);
}

// The checks decode_audio makes of a kPcmS16le answer.
Status check_pcm16(const EncodedAudio& audio, const DecodeLimits& limits) {
  if (audio.sample_rate <= 0) return undecodable("raw PCM without a sample rate");
  if (audio.bytes.size() % 2 != 0) return undecodable("raw PCM with an odd number of bytes");
  const auto samples = static_cast<int64_t>(audio.bytes.size() / 2);
  if (limits.max_duration_ms > 0 && samples * 1000 > limits.max_duration_ms * audio.sample_rate) {
    return undecodable("the answer is longer than " + std::to_string(limits.max_duration_ms) +
                       " ms");
  }
  return Status::success();
}

}  // namespace

Result<PcmBuffer> decode_audio(const EncodedAudio& audio, const DecodeLimits& limits) {
  if (audio.bytes.empty()) return undecodable("empty answer");

  if (audio.encoding == AudioEncoding::kPcmS16le) {
    if (Status s = check_pcm16(audio, limits); !s) return s.error();
    PcmBuffer pcm;
    pcm.sample_rate = audio.sample_rate;
    pcm.samples.resize(audio.bytes.size() / 2);
    const auto* p = reinterpret_cast<const uint8_t*>(audio.bytes.data());
    for (std::size_t i = 0; i < pcm.samples.size(); ++i) {
      const auto v = static_cast<int16_t>(p[2 * i] | (p[2 * i + 1] << 8));
      pcm.samples[i] = static_cast<float>(v) / 32768.0f;
    }
    return pcm;
  }

  std::string error;
  ContainerDecodeFn decode = container_decoder(error);
  if (!decode) {
    return Error{ErrorKind::kInternal, "audio decoding is unavailable: " + error, ""};
  }
  PcmBuffer pcm;
  if (!decode(&audio, &limits, &pcm, &error)) return undecodable(error);
  // Float containers (WAV f32/f64) carry any bit pattern: NaN or infinity would go on into
  // loudness and the encoder (found by tests/fuzz).
  if (!std::all_of(pcm.samples.begin(), pcm.samples.end(),
                   [](float sample) { return std::isfinite(sample); })) {
    return undecodable("samples that are not finite numbers");
  }
  return pcm;
}

Result<SpeechSamples> decode_speech(EncodedAudio& audio, const DecodeLimits& limits) {
  if (audio.encoding == AudioEncoding::kPcmS16le && !audio.bytes.empty()) {
    if (Status s = check_pcm16(audio, limits); !s) return s.error();
    return SpeechSamples::from_pcm16(std::move(audio));
  }
  auto pcm = decode_audio(audio, limits);
  if (!pcm) return pcm.take_error();
  return SpeechSamples(std::move(pcm.value()));
}

Result<PcmBuffer> resample(PcmBuffer pcm, int target_rate) {
  if (pcm.sample_rate == target_rate) return pcm;
  auto resampler = Resampler::create(pcm.sample_rate, target_rate, pcm.samples.size());
  if (!resampler) return resampler.take_error();
  PcmBuffer out;
  out.sample_rate = target_rate;
  out.samples.reserve(Resampler::output_size(pcm.samples.size(), pcm.sample_rate, target_rate));
  const Resampler::Sink append = [&out](std::span<const float> chunk) {
    out.samples.insert(out.samples.end(), chunk.begin(), chunk.end());
    return Status::success();
  };
  if (Status s = resampler->add(pcm.samples, append); !s) return s.error();
  if (Status s = resampler->finish(append); !s) return s.error();
  return out;
}

}  // namespace polyvox::audio
