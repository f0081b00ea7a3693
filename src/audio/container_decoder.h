// The boundary between decoder.cpp and the lazily loaded FFmpeg module (container_decoder.cpp,
// built as libpolyvox_ffmpeg.so): one C entry point.
#pragma once

#include <string>

#include "audio/decoder.h"
#include "audio/pcm.h"

namespace polyvox::audio {

inline constexpr const char* kContainerDecoderSymbol = "polyvox_decode_container";

// Decodes `audio` (kContainer) into mono float PCM at its own rate within `limits` (decoder.h);
// false with `error` set on failure. Thread-safe.
using ContainerDecodeFn = bool (*)(const EncodedAudio* audio, const DecodeLimits* limits,
                                   PcmBuffer* out, std::string* error);

}  // namespace polyvox::audio

extern "C" bool polyvox_decode_container(const polyvox::audio::EncodedAudio* audio,
                                         const polyvox::audio::DecodeLimits* limits,
                                         polyvox::audio::PcmBuffer* out, std::string* error);
