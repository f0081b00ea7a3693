// Kokoro (as the seed calls it): POST to the configured URL itself, no key, {text, voice_id};
// the answer is JSON {"audio": "data:audio/wav;base64,..."}. Voice "default" is "0".
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"
#include "providers/voice_table.h"

namespace polyvox {

class KokoroProvider : public Provider {
 public:
  // REQUIRES: config.kind == "kokoro" and a URL. A key, when configured (api_key_env), is sent
  // as a Bearer token.
  KokoroProvider(CloudProviderConfig config, std::shared_ptr<const http::HttpClient> http);

  const std::string& name() const override { return config_.name; }
  std::string kind() const override { return "kokoro"; }
  std::vector<VoiceInfo> voices() const override { return table_.voices(); }
  // "default" -> "0", its id "0", and names added by the configuration.
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return table_.resolve(voice);
  }
  // The decoded WAV of the data URL (kContainer). An answer without a decodable data URL is
  // kUnavailable (or the error it carries).
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;
  std::size_t max_request_chars() const override { return config_.max_request_chars; }
  std::string cache_identity() const override { return cache_identity_; }

 private:
  CloudProviderConfig config_;
  std::shared_ptr<const http::HttpClient> http_;
  VoiceTable table_;
  std::string cache_identity_ = polyvox::cache_identity(config_);
};

// The bytes of a base64 data URL ("data:audio/wav;base64,UklG..."); nullopt when `url` is not
// one or its base64 is malformed.
std::optional<std::string> decode_data_url(std::string_view url);

}  // namespace polyvox
