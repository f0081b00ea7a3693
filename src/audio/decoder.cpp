#include "audio/decoder.h"

#include <soxr.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "audio/audio_module.h"
#include "audio/container_decoder.h"
#include "audio/ffmpeg_module.h"

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

}  // namespace

Result<PcmBuffer> decode_audio(const EncodedAudio& audio, const DecodeLimits& limits) {
  if (audio.bytes.empty()) return undecodable("empty answer");

  if (audio.encoding == AudioEncoding::kPcmS16le) {
    if (audio.sample_rate <= 0) return undecodable("raw PCM without a sample rate");
    if (audio.bytes.size() % 2 != 0) return undecodable("raw PCM with an odd number of bytes");
    const auto samples = static_cast<int64_t>(audio.bytes.size() / 2);
    if (limits.max_duration_ms > 0 && samples * 1000 > limits.max_duration_ms * audio.sample_rate) {
      return undecodable("the answer is longer than " + std::to_string(limits.max_duration_ms) +
                         " ms");
    }
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

Result<PcmBuffer> resample(PcmBuffer pcm, int target_rate) {
  if (pcm.sample_rate == target_rate) return pcm;
  if (pcm.sample_rate <= 0 || target_rate <= 0) {
    return Error{ErrorKind::kInternal, "resample: invalid sample rate", ""};
  }
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = nullptr;
  std::unique_ptr<soxr, decltype(&soxr_delete)> soxr(
      soxr_create(pcm.sample_rate, target_rate, 1, &err, &io, &quality, nullptr), &soxr_delete);
  if (err || !soxr) return Error{ErrorKind::kInternal, std::string("resample: ") + err, ""};
  const auto expected = static_cast<std::size_t>(
      (static_cast<long double>(pcm.samples.size()) * target_rate + pcm.sample_rate / 2) /
      pcm.sample_rate);
  PcmBuffer out;
  out.sample_rate = target_rate;
  out.samples.resize(expected + 256);
  // In chunks, so that the resampler's own buffers stay small; then flush its delay line.
  constexpr std::size_t kChunk = 1 << 16;
  std::size_t produced = 0;
  std::size_t consumed = 0;
  while (true) {
    const bool flush = consumed == pcm.samples.size();
    const std::size_t n = flush ? 0 : std::min(kChunk, pcm.samples.size() - consumed);
    if (out.samples.size() - produced < kChunk * 2 + 256) out.samples.resize(produced + kChunk * 4);
    std::size_t used = 0;
    std::size_t done = 0;
    err = soxr_process(soxr.get(), flush ? nullptr : pcm.samples.data() + consumed, n, &used,
                       out.samples.data() + produced, out.samples.size() - produced, &done);
    if (err) return Error{ErrorKind::kInternal, std::string("resample: ") + err, ""};
    consumed += used;
    produced += done;
    if (flush && done == 0) break;
  }
  // Exactly the duration of the input (the flush may add or miss a sample or two).
  out.samples.resize(expected, 0.0f);
  return out;
}

}  // namespace polyvox::audio
