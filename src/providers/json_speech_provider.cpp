#include "providers/json_speech_provider.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "providers/vendor_response.h"
#include "providers/word_alignment.h"

namespace polyvox {

using nlohmann::json;

std::optional<std::string> decode_data_url(std::string_view url) {
  if (url.rfind("data:", 0) != 0) return std::nullopt;
  const auto comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string_view meta = url.substr(5, comma - 5);
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64") return std::nullopt;
  return decode_base64(url.substr(comma + 1));
}

std::optional<std::string> decode_base64(std::string_view data) {
  std::string out(data.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), data.data(),
                        data.size(), " \r\n", &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != data.data() + data.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

JsonSpeechProvider::JsonSpeechProvider(JsonSpeechProtocol protocol, CloudProviderConfig config,
                                       std::shared_ptr<const http::HttpClient> http)
    : protocol_(std::move(protocol)),
      config_(std::move(config)),
      http_(std::move(http)),
      table_(voice_table_for(config_)) {}

SpeedRange JsonSpeechProvider::native_speed() const {
  if (protocol_.speed_field.empty()) return {};
  return config_.native_speed.relative_to(config_.speed);
}

Result<audio::EncodedAudio> JsonSpeechProvider::synthesize(const SynthesisRequest& request) {
  // nlohmann::json keeps object keys sorted, so the body's bytes do not depend on the order the
  // fields are set in here.
  json body = json::object();
  auto set = [&body](const std::string& field, json value) {
    if (!field.empty()) body[field] = std::move(value);
  };
  set(protocol_.text_field, request.text);
  set(protocol_.voice_field, request.voice_id);
  set(protocol_.model_field, config_.model);
  set(protocol_.format_field, config_.output_format);
  set(protocol_.speed_field, config_.native_speed.absolute(config_.speed, request.speed));
  if (request.word_marks && !protocol_.timestamps_field.empty()) {
    body[protocol_.timestamps_field] = true;
  }
  const std::string& instructions =
      request.instructions.empty() ? config_.instructions : request.instructions;
  if (!instructions.empty()) set(protocol_.instructions_field, instructions);

  auto http_request = json_post(config_.base_url + protocol_.endpoint_path,
                                body.dump(-1, ' ', false, json::error_handler_t::replace),
                                config_.settings, request.cancel);
  if (!protocol_.accept.empty()) http_request.headers.emplace_back("Accept", protocol_.accept);
  if (!config_.api_key.empty()) {
    http_request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  for (const auto& [header, field] : protocol_.config_headers) {
    if (!(config_.*field).empty()) http_request.headers.emplace_back(header, config_.*field);
  }
  auto response = exchange(*http_, config_.name, http_request, config_.api_key);
  if (!response) return response.take_error();
  if (protocol_.answer == JsonSpeechProtocol::Answer::kJsonDataUrl) {
    return audio_of_data_url(*response, request.text);
  }
  if (auto error = non_audio_error(config_.name, *response, config_.api_key)) return *error;
  audio::EncodedAudio out;
  out.bytes = std::move(response->body);
  if (protocol_.raw_pcm_rate > 0 && config_.output_format == "pcm") {
    out.encoding = audio::AudioEncoding::kPcmS16le;
    out.sample_rate = protocol_.raw_pcm_rate;
  }
  return out;
}

Result<audio::EncodedAudio> JsonSpeechProvider::audio_of_data_url(
    const http::HttpClientResponse& response, std::string_view text) const {
  const json doc = parse_untrusted_json(response.body);
  const bool has_audio = doc.is_object() && doc.contains("audio") && doc["audio"].is_string();
  if (!has_audio) {
    if (doc.is_object() && (doc.contains("error") || doc.contains("detail"))) {
      const VendorError vendor = parse_vendor_error(response.body, config_.api_key);
      return Error{ErrorKind::kUnavailable,
                   redact(config_.name + ": HTTP " + std::to_string(response.status) +
                              " without audio: " + vendor.message,
                          config_.api_key),
                   ""};
    }
    return Error{ErrorKind::kUnavailable,
                 config_.name + ": HTTP " + std::to_string(response.status) +
                     " answer is not JSON with an \"audio\" data URL",
                 ""};
  }
  auto wav = decode_data_url(doc["audio"].get<std::string>());
  if (!wav || wav->empty()) {
    return Error{ErrorKind::kUnavailable,
                 config_.name + ": the answer's audio is not a base64 data URL", ""};
  }
  audio::EncodedAudio out;
  out.bytes = std::move(*wav);
  out.marks = marks_of(doc, text);
  return out;
}

SpeechMarks JsonSpeechProvider::marks_of(const json& answer, std::string_view text) const {
  const auto list = answer.find("timestamps");
  if (protocol_.timestamps_field.empty() || list == answer.end() || !list->is_array()) return {};
  std::vector<TimedText> words;
  for (const auto& item : *list) {
    if (!item.is_object() || !item.value("word", json()).is_string() ||
        !item.value("start_time", json()).is_number() ||
        !item.value("end_time", json()).is_number()) {
      continue;
    }
    words.push_back({item["word"].get<std::string>(), item["start_time"].get<double>(),
                     item["end_time"].get<double>()});
  }
  constexpr std::size_t kWordWindow = 64;  // bytes a missing word may leave behind
  SpeechMarks marks = marks_from_timed_text(config_.kind, text, words, kWordWindow);
  if (marks.marks.empty()) return {};
  return marks;
}

}  // namespace polyvox
