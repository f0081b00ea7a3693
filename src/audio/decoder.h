// Decoding of whatever a provider returns into mono float PCM at the source's own rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "audio/pcm.h"
#include "audio/speech_samples.h"
#include "core/error.h"

namespace polyvox::audio {

// Bounds on the work one answer may cost: the bytes come from outside.
struct DecodeLimits {
  // Most audio the answer may hold; 0 = no bound. Decoding stops as soon as it is passed.
  int64_t max_duration_ms = 0;
  // When decoding must have ended; nullopt = no deadline.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// Decodes `audio` (see AudioEncoding) to mono float PCM at the source's first sample rate,
// down-mixing multichannel input; a stream whose channel layout, sample format or rate changes
// midway is converted frame by frame. Containers are limited to those vendors send (MP3, WAV,
// Ogg, FLAC, ADTS AAC, MP4/M4A) and never open anything but the given bytes (playlists and
// concat scripts are refused). Fails with kSynthesisFailed ("undecodable audio: ...") when the
// bytes are not such audio, are truncated past recovery, produce a decoder error or samples that
// are not finite (NaN, infinity: float WAV carries any bit pattern), use a codec outside the
// list (named), have a sample rate above 192 kHz (the stream's or a frame's), hold more than
// `limits.max_duration_ms` (refused before a frame that would pass it is converted) or take past
// `limits.deadline`. A frame is never converted into more than 2^24 samples: one claiming 1 Hz
// in a 48 kHz stream is refused, limit or not. Thread-safe (no shared state).
Result<PcmBuffer> decode_audio(const EncodedAudio& audio, const DecodeLimits& limits = {});

// Where decode_audio_file hands its samples: mono float at `sample_rate` (the same for every
// chunk of one file), valid during the call only. Returns false to stop decoding, with `error`
// set to why.
using SampleChunkSink =
    std::function<bool(int sample_rate, std::span<const float> samples, std::string& error)>;

// decode_audio of a file, without holding it or its samples whole: `encoding` kContainer (the
// same formats and checks as decode_audio) or kPcmS16le at `sample_rate`. Its samples go to
// `sink` a chunk at a time, as they are decoded. kSynthesisFailed ("undecodable audio: ...") as
// decode_audio, kIo when the file cannot be read; a sink's refusal is kInternal with its reason.
// Thread-safe.
Status decode_audio_file(const std::filesystem::path& path, AudioEncoding encoding, int sample_rate,
                         const DecodeLimits& limits, const SampleChunkSink& sink);

// decode_audio's samples of `audio` handed to `sink` a chunk at a time, without holding them all:
// the same checks and errors as decode_audio_file. Thread-safe.
Status decode_audio_chunks(const EncodedAudio& audio, const DecodeLimits& limits,
                           const SampleChunkSink& sink);

// decode_audio, except that a kPcmS16le answer is kept as it is, after the same checks: on
// success its bytes have moved into the result (SpeechSamples::pcm16() is the answer, `audio` is
// left empty), half the memory of float PCM and no copy. Any other answer is decoded into float
// PCM and left as it is. Thread-safe for distinct answers.
Result<SpeechSamples> decode_speech(EncodedAudio& audio, const DecodeLimits& limits = {});

// Converts `pcm` to `target_rate` (band-limited resampling). Returns the input unchanged when
// the rates match. Thread-safe. (resampler.h does it chunk by chunk.)
Result<PcmBuffer> resample(PcmBuffer pcm, int target_rate);

}  // namespace polyvox::audio
