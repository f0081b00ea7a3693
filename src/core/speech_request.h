// A request to POST /v1/audio/speech (OpenAI's createSpeech), parsed and checked: what the body
// says, before any model, voice or format is looked up. Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

// How the answer is sent: the whole file once the job is done (no stream_format), the audio's
// bytes as its blocks are placed ("audio"), or server-sent events with base64 audio ("sse").
enum class SpeechStreamFormat { kNone, kAudio, kSse };

struct SpeechRequest {
  std::string model;            // as written: "tts-1", "espeak", "elevenlabs/eleven_v3", ...
  std::string input;            // trimmed, non-empty, valid UTF-8, at most kMaxInputChars
  std::string voice;            // the string, or the "id" of {"id": ...}
  std::string response_format;  // one of mp3 (default), opus, aac, flac, wav, pcm
  double speed = 1.0;           // 0.25..4.0
  std::string instructions;     // may be empty; at most kMaxInstructionsChars
  SpeechStreamFormat stream_format = SpeechStreamFormat::kNone;

  static constexpr std::size_t kMaxInputChars = 4096;         // as OpenAI documents it
  static constexpr std::size_t kMaxInstructionsChars = 4096;  // = kMaxBlockInstructionsChars
  static constexpr double kMinSpeed = 0.25;
  static constexpr double kMaxSpeed = 4.0;
};

// Parses a createSpeech body. kInvalidInput whose `field` is the offending parameter ("input",
// "speed", ...) and whose message says what is wrong: malformed JSON (line and column), invalid
// UTF-8, a repeated key (core/json_input.h), not an object, a required parameter (model, input,
// voice) missing or empty, a value of the wrong type or outside its range, an unknown
// response_format or stream_format. Parameters OpenAI does not define are ignored (clients such as
// Open WebUI merge their own extras in). Thread-safe.
Result<SpeechRequest> parse_speech_request(std::string_view body);

}  // namespace polyvox
