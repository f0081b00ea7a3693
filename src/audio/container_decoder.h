// The boundary between decoder.cpp and the lazily loaded FFmpeg module (container_decoder.cpp,
// built as libpolyvox_ffmpeg.so): one C entry point.
#pragma once

#include <span>
#include <string>

#include "audio/decoder.h"
#include "audio/pcm.h"

namespace polyvox::audio {

inline constexpr const char* kContainerDecoderSymbol = "polyvox_decode_container";

// Decodes `audio` (kContainer) into mono float PCM at its own rate within `limits` (decoder.h);
// false with `error` set on failure. Thread-safe.
using ContainerDecodeFn = bool (*)(const EncodedAudio* audio, const DecodeLimits* limits,
                                   PcmBuffer* out, std::string* error);

inline constexpr const char* kContainerChunkDecoderSymbol = "polyvox_decode_container_chunks";

// Decodes, chunk by chunk into `sink` (decoder.h SampleChunkSink), the file at `path` (read as
// it goes) or, when `path` is null, `audio`'s bytes: a container, as decode_audio's kContainer.
// false with `error` set on failure, or when the sink returned false (then `error` is what the
// sink set). Thread-safe.
using ContainerChunkDecodeFn = bool (*)(const std::string* path, const EncodedAudio* audio,
                                        const DecodeLimits* limits, const SampleChunkSink* sink,
                                        std::string* error);

}  // namespace polyvox::audio

extern "C" bool polyvox_decode_container_chunks(const std::string* path,
                                                const polyvox::audio::EncodedAudio* audio,
                                                const polyvox::audio::DecodeLimits* limits,
                                                const polyvox::audio::SampleChunkSink* sink,
                                                std::string* error);

extern "C" bool polyvox_decode_container(const polyvox::audio::EncodedAudio* audio,
                                         const polyvox::audio::DecodeLimits* limits,
                                         polyvox::audio::PcmBuffer* out, std::string* error);
