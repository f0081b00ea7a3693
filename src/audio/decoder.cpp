#include "audio/decoder.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
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

ContainerChunkDecodeFn container_chunk_decoder(std::string& error) {
  static ModuleFunction<ContainerChunkDecodeFn> decode(kFfmpegModule, kContainerChunkDecoderSymbol);
  return decode.get(error);
}

// 16-bit little-endian samples to float.
void pcm16_to_float(const char* bytes, std::size_t count, float* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes);
  for (std::size_t i = 0; i < count; ++i) {
    const auto v = static_cast<int16_t>(p[2 * i] | (p[2 * i + 1] << 8));
    out[i] = static_cast<float>(v) / 32768.0f;
  }
}

bool all_finite(std::span<const float> samples) {
  return std::all_of(samples.begin(), samples.end(),
                     [](float sample) { return std::isfinite(sample); });
}

// The checks decode_audio makes of raw 16-bit PCM of `bytes` bytes at `sample_rate`.
Status check_pcm16(std::size_t bytes, int sample_rate, const DecodeLimits& limits) {
  if (sample_rate <= 0) return undecodable("raw PCM without a sample rate");
  if (bytes % 2 != 0) return undecodable("raw PCM with an odd number of bytes");
  const auto samples = static_cast<int64_t>(bytes / 2);
  if (limits.max_duration_ms > 0 && samples * 1000 > limits.max_duration_ms * sample_rate) {
    return undecodable("the answer is longer than " + std::to_string(limits.max_duration_ms) +
                       " ms");
  }
  return Status::success();
}

Status check_pcm16(const EncodedAudio& audio, const DecodeLimits& limits) {
  return check_pcm16(audio.bytes.size(), audio.sample_rate, limits);
}

// Hands `bytes` of raw 16-bit PCM (an even number) to `sink` as one chunk of float samples
// (`chunk` is the buffer reused for it); kInternal with the sink's reason when it refuses.
Status feed_pcm16(std::string_view bytes, int sample_rate, const SampleChunkSink& sink,
                  std::vector<float>& chunk) {
  chunk.resize(bytes.size() / 2);
  pcm16_to_float(bytes.data(), chunk.size(), chunk.data());
  std::string refusal;
  if (!sink(sample_rate, chunk, refusal)) return Error{ErrorKind::kInternal, refusal, ""};
  return Status::success();
}

// Raw 16-bit PCM is handed over this many bytes at a time.
constexpr std::size_t kPcm16ChunkBytes = 1 << 16;

// A raw 16-bit file read kPcm16ChunkBytes at a time into `sink`, with decode_audio's checks.
Status decode_pcm16_file(const std::filesystem::path& path, int sample_rate,
                         const DecodeLimits& limits, const SampleChunkSink& sink) {
  std::ifstream in(path, std::ios::binary);
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!in || size_error) return Error{ErrorKind::kIo, "cannot read " + path.string(), ""};
  if (size == 0) return undecodable("empty answer");
  if (Status s = check_pcm16(size, sample_rate, limits); !s) return s;
  std::string bytes(kPcm16ChunkBytes, '\0');
  std::vector<float> chunk;
  while (in) {
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const auto got = static_cast<std::size_t>(in.gcount()) / 2 * 2;
    if (got == 0) break;
    if (Status s = feed_pcm16({bytes.data(), got}, sample_rate, sink, chunk); !s) return s;
  }
  if (in.bad()) return Error{ErrorKind::kIo, "cannot read " + path.string(), ""};
  return Status::success();
}

// The FFmpeg module's chunked decode of `path` or `audio`, each chunk checked as decode_audio
// checks its samples before `sink` has it.
Status decode_container_chunks(const std::string* path, const EncodedAudio* audio,
                               const DecodeLimits& limits, const SampleChunkSink& sink) {
  std::string error;
  ContainerChunkDecodeFn decode = container_chunk_decoder(error);
  if (!decode) {
    return Error{ErrorKind::kInternal, "audio decoding is unavailable: " + error, ""};
  }
  bool not_finite = false, refused = false;
  const SampleChunkSink checked = [&](int rate, std::span<const float> samples,
                                      std::string& reason) {
    if (!all_finite(samples)) {
      not_finite = true;
      return false;
    }
    refused = !sink(rate, samples, reason);
    return !refused;
  };
  if (decode(path, audio, &limits, &checked, &error)) return Status::success();
  if (not_finite) return undecodable("samples that are not finite numbers");
  if (refused) return Error{ErrorKind::kInternal, error, ""};
  if (path && error == "cannot read " + *path) return Error{ErrorKind::kIo, error, ""};
  return undecodable(error);
}

}  // namespace

Result<PcmBuffer> decode_audio(const EncodedAudio& audio, const DecodeLimits& limits) {
  if (audio.bytes.empty()) return undecodable("empty answer");

  if (audio.encoding == AudioEncoding::kPcmS16le) {
    if (Status s = check_pcm16(audio, limits); !s) return s.error();
    PcmBuffer pcm;
    pcm.sample_rate = audio.sample_rate;
    pcm.samples.resize(audio.bytes.size() / 2);
    pcm16_to_float(audio.bytes.data(), pcm.samples.size(), pcm.samples.data());
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
  if (!all_finite(pcm.samples)) return undecodable("samples that are not finite numbers");
  return pcm;
}

Status decode_audio_file(const std::filesystem::path& path, AudioEncoding encoding, int sample_rate,
                         const DecodeLimits& limits, const SampleChunkSink& sink) {
  if (encoding == AudioEncoding::kPcmS16le) {
    return decode_pcm16_file(path, sample_rate, limits, sink);
  }
  const std::string file = path.string();
  return decode_container_chunks(&file, nullptr, limits, sink);
}

Status decode_audio_chunks(const EncodedAudio& audio, const DecodeLimits& limits,
                           const SampleChunkSink& sink) {
  if (audio.bytes.empty()) return undecodable("empty answer");
  if (audio.encoding == AudioEncoding::kPcmS16le) {
    if (Status s = check_pcm16(audio, limits); !s) return s;
    const std::string_view bytes = audio.bytes;
    std::vector<float> chunk;
    for (std::size_t at = 0; at < bytes.size(); at += kPcm16ChunkBytes) {
      if (Status s = feed_pcm16(bytes.substr(at, kPcm16ChunkBytes), audio.sample_rate, sink, chunk);
          !s) {
        return s;
      }
    }
    return Status::success();
  }
  return decode_container_chunks(nullptr, &audio, limits, sink);
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
