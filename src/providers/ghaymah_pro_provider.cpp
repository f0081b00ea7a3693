#include "providers/ghaymah_pro_provider.h"

#include <nlohmann/json.hpp>

#include "providers/vendor_response.h"

namespace polyvox {

GhaymahProProvider::GhaymahProProvider(CloudProviderConfig config,
                                       std::shared_ptr<const http::HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)), table_(voice_table_for(config_)) {}

Result<audio::EncodedAudio> GhaymahProProvider::synthesize(const SynthesisRequest& request) {
  using nlohmann::json;
  const json body = {{"input", request.text},
                     {"voice", request.voice_id},
                     {"response_format", "mp3"},
                     {"speed", config_.speed}};
  auto http_request =
      json_post(config_.base_url, body.dump(-1, ' ', false, json::error_handler_t::replace),
                config_.settings, request.cancel);
  if (!config_.api_key.empty()) {
    http_request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  auto response = exchange(*http_, config_.name, http_request, config_.api_key);
  if (!response) return response.take_error();
  if (auto error = non_audio_error(config_.name, *response, config_.api_key)) return *error;
  audio::EncodedAudio out;
  out.bytes = std::move(response->body);
  return out;
}

}  // namespace polyvox
