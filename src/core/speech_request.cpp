#include "core/speech_request.h"

#include <algorithm>
#include <cmath>

#include "core/json_input.h"
#include "core/letters.h"
#include "core/speakable_text.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

using json = InputJson;

Result<std::string> string_param(const json& doc, const char* name, bool required) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid_input(name, "is required");
    return std::string();
  }
  if (!it->is_string()) return invalid_input(name, "must be a string");
  return it->get<std::string>();
}

// A text parameter: as speakable_text says (trimmed, non-empty when required, at most
// `max_chars` code points, no control character).
Result<std::string> text_param(const json& doc, const char* name, bool required,
                               std::size_t max_chars) {
  auto raw = string_param(doc, name, required);
  if (!raw) return raw;
  return speakable_text(std::move(*raw), max_chars, name, required);
}

// "voice": a name, or {"id": name} (OpenAI's custom voices).
Result<std::string> voice_param(const json& doc) {
  const auto it = doc.find("voice");
  if (it == doc.end() || it->is_null()) return invalid_input("voice", "is required");
  const json* value = &*it;
  if (it->is_object()) {
    const auto id = it->find("id");
    if (id == it->end()) return invalid_input("voice", "an object must have an \"id\"");
    value = &*id;
  }
  if (!value->is_string()) return invalid_input("voice", "must be a string or {\"id\": string}");
  const std::string_view trimmed = trim_utf8(value->get_ref<const std::string&>());
  if (trimmed.empty()) return invalid_input("voice", "must not be empty");
  if (trimmed.size() > 256) return invalid_input("voice", "must be at most 256 bytes");
  return std::string(trimmed);
}

}  // namespace

Result<SpeechRequest> parse_speech_request(std::string_view body) {
  auto parsed = parse_json_input(body);
  if (!parsed) return parsed.take_error();
  const json& doc = *parsed;
  if (!doc.is_object()) return invalid_input("", "the body must be a JSON object");

  SpeechRequest request;
  auto model = text_param(doc, "model", true, 256);
  if (!model) return model.take_error();
  request.model = std::move(*model);
  auto input = text_param(doc, "input", true, SpeechRequest::kMaxInputChars);
  if (!input) return input.take_error();
  if (!has_letter_or_digit(*input)) {
    return invalid_input("input",
                         "has nothing to speak: no letter or digit, only punctuation, "
                         "symbols or spaces");
  }
  request.input = std::move(*input);
  auto voice = voice_param(doc);
  if (!voice) return voice.take_error();
  request.voice = std::move(*voice);
  auto instructions = text_param(doc, "instructions", false, SpeechRequest::kMaxInstructionsChars);
  if (!instructions) return instructions.take_error();
  request.instructions = std::move(*instructions);

  auto format = string_param(doc, "response_format", false);
  if (!format) return format.take_error();
  request.response_format = format->empty() ? "mp3" : *format;
  static constexpr const char* kFormats[] = {"mp3", "opus", "aac", "flac", "wav", "pcm"};
  if (std::find(std::begin(kFormats), std::end(kFormats), request.response_format) ==
      std::end(kFormats)) {
    return invalid_input("response_format", "must be one of mp3, opus, aac, flac, wav, pcm");
  }

  if (const auto it = doc.find("speed"); it != doc.end() && !it->is_null()) {
    if (!it->is_number()) return invalid_input("speed", "must be a number");
    const double speed = it->get<double>();
    if (!std::isfinite(speed) || speed < SpeechRequest::kMinSpeed ||
        speed > SpeechRequest::kMaxSpeed) {
      return invalid_input("speed", "must be between 0.25 and 4.0");
    }
    request.speed = speed;
  }

  auto stream = string_param(doc, "stream_format", false);
  if (!stream) return stream.take_error();
  if (*stream == "audio") {
    request.stream_format = SpeechStreamFormat::kAudio;
  } else if (*stream == "sse") {
    request.stream_format = SpeechStreamFormat::kSse;
  } else if (!stream->empty()) {
    return invalid_input("stream_format", "must be audio or sse");
  }
  return request;
}

}  // namespace polyvox
