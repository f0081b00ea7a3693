#include "providers/openai_provider.h"

#include <nlohmann/json.hpp>

#include "providers/vendor_response.h"

namespace polyvox {
namespace {
constexpr int kPcmRate = 24'000;  // OpenAI's "pcm": raw 24 kHz s16le mono
}  // namespace

OpenAiProvider::OpenAiProvider(CloudProviderConfig config,
                               std::shared_ptr<const http::HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)), table_(voice_table_for(config_)) {}

Result<audio::EncodedAudio> OpenAiProvider::synthesize(const SynthesisRequest& request) {
  using nlohmann::json;
  json body = {{"model", config_.model},
               {"input", request.text},
               {"voice", request.voice_id},
               {"response_format", config_.output_format},
               {"speed", config_.speed}};
  if (!config_.instructions.empty()) body["instructions"] = config_.instructions;
  auto http_request = json_post(config_.base_url + "/audio/speech",
                                body.dump(-1, ' ', false, json::error_handler_t::replace),
                                config_.settings, request.cancel);
  http_request.headers.emplace_back("Accept", "application/octet-stream");
  if (!config_.api_key.empty()) {
    http_request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  if (!config_.organization.empty()) {
    http_request.headers.emplace_back("OpenAI-Organization", config_.organization);
  }
  if (!config_.project.empty())
    http_request.headers.emplace_back("OpenAI-Project", config_.project);
  auto response = exchange(*http_, config_.name, http_request, config_.api_key);
  if (!response) return response.take_error();
  if (auto error = non_audio_error(config_.name, *response, config_.api_key)) return *error;
  audio::EncodedAudio out;
  out.bytes = std::move(response->body);
  if (config_.output_format == "pcm") {
    out.encoding = audio::AudioEncoding::kPcmS16le;
    out.sample_rate = kPcmRate;
  }
  return out;
}

}  // namespace polyvox
