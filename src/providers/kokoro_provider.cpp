#include "providers/kokoro_provider.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "providers/vendor_response.h"

namespace polyvox {

std::optional<std::string> decode_data_url(std::string_view url) {
  if (url.rfind("data:", 0) != 0) return std::nullopt;
  const auto comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string_view meta = url.substr(5, comma - 5);
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64") return std::nullopt;
  const std::string_view data = url.substr(comma + 1);
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

KokoroProvider::KokoroProvider(CloudProviderConfig config,
                               std::shared_ptr<const http::HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)), table_(voice_table_for(config_)) {}

Result<audio::EncodedAudio> KokoroProvider::synthesize(const SynthesisRequest& request) {
  using nlohmann::json;
  const json body = {{"text", request.text}, {"voice_id", request.voice_id}};
  auto http_request =
      json_post(config_.base_url, body.dump(-1, ' ', false, json::error_handler_t::replace),
                config_.settings, request.cancel);
  http_request.headers.emplace_back("Accept", "application/json");
  if (!config_.api_key.empty()) {
    http_request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  auto response = exchange(*http_, config_.name, http_request, config_.api_key);
  if (!response) return response.take_error();
  const json doc = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const bool has_audio = doc.is_object() && doc.contains("audio") && doc["audio"].is_string();
  if (!has_audio) {
    if (doc.is_object() && (doc.contains("error") || doc.contains("detail"))) {
      const VendorError vendor = parse_vendor_error(response->body);
      return Error{ErrorKind::kUnavailable,
                   redact(config_.name + ": HTTP " + std::to_string(response->status) +
                              " without audio: " + vendor.message,
                          config_.api_key),
                   ""};
    }
    return Error{ErrorKind::kUnavailable,
                 config_.name + ": HTTP " + std::to_string(response->status) +
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
  return out;
}

}  // namespace polyvox
