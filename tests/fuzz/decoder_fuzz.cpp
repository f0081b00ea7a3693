// The decoder (audio/decoder.h) on arbitrary vendor bytes, through the FFmpeg module it loads,
// under the limits the worker uses: at most 60 s of audio, a deadline of a few seconds. Input
// that starts with kRawPrefix is raw PCM at the rate its next byte chooses; anything else is a
// container. Decoding fails cleanly or yields mono samples within the limits. Decoded chunk by
// chunk (decode_audio_chunks, as a final file is measured), the same bytes give the same
// samples at the same rate, or an error of the same kind.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audio/decoder.h"
#include "audio/wav.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;
namespace audio = polyvox::audio;

namespace {

constexpr std::string_view kRawPrefix = "RAWPCM";
constexpr int64_t kMaxDurationMs = 60'000;

}  // namespace

// libFuzzer calls this once before fuzzing: one decode loads the FFmpeg module now, so that its
// coverage counters are known from the first input on. (The replay driver does not call it; the
// module then loads on the first input.)
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string silence = audio::wav_file(std::vector<float>(80, 0.0f), 0, 8000);
  check(audio::decode_audio(audio::EncodedAudio{silence}).ok(), "the FFmpeg module loads");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  audio::EncodedAudio encoded;
  if (bytes.substr(0, kRawPrefix.size()) == kRawPrefix && size > kRawPrefix.size()) {
    encoded.encoding = audio::AudioEncoding::kPcmS16le;
    encoded.sample_rate = 8000 + 1000 * (data[kRawPrefix.size()] % 41);
    encoded.bytes = std::string(bytes.substr(kRawPrefix.size() + 1));
  } else {
    encoded.bytes = std::string(bytes);
  }
  audio::DecodeLimits limits;
  limits.max_duration_ms = kMaxDurationMs;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  const auto pcm = audio::decode_audio(encoded, limits);
  if (!pcm.ok()) {
    check(pcm.error().kind == polyvox::ErrorKind::kSynthesisFailed,
          "undecodable bytes are a synthesis failure (the module loaded)");
    return 0;
  }
  check(pcm->sample_rate > 0, "decoded audio has a sample rate");
  std::vector<float> chunked;
  bool one_rate = true;
  const polyvox::Status streamed = audio::decode_audio_chunks(
      encoded, limits, [&](int rate, std::span<const float> samples, std::string&) {
        one_rate = one_rate && rate == pcm->sample_rate;
        chunked.insert(chunked.end(), samples.begin(), samples.end());
        return true;
      });
  // The deadline may pass between the two decodes: only then may the second fail.
  if (streamed.ok()) {
    check(one_rate, "every chunk comes at the whole decode's rate");
    check(chunked == pcm->samples, "the chunks are the whole decode's samples");
  } else {
    check(streamed.error().kind == polyvox::ErrorKind::kSynthesisFailed,
          "a chunked decode fails as a synthesis failure");
  }
  check(pcm->duration_ms() <= kMaxDurationMs + 1000.0, "decoded audio is within the limit");
  for (const float sample : pcm->samples) {
    check(std::isfinite(sample), "decoded samples are finite");
  }
  return 0;
}
