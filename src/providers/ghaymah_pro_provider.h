// Ghaymah Pro (as the seed calls it): POST to the configured URL itself with a Bearer key and
// {input, voice: "0".."3", response_format: "mp3", speed}; MP3 bytes back. Voices male-1,
// male-2, female-1, female-2 are "0".."3" (shared/docs/providers.md).
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"
#include "providers/voice_table.h"

namespace polyvox {

class GhaymahProProvider : public Provider {
 public:
  // REQUIRES: config.kind == "ghaymah_pro" and a URL.
  GhaymahProProvider(CloudProviderConfig config, std::shared_ptr<const http::HttpClient> http);

  const std::string& name() const override { return config_.name; }
  std::string kind() const override { return "ghaymah_pro"; }
  std::vector<VoiceInfo> voices() const override { return table_.voices(); }
  // male-1, male-2, female-1, female-2 (any case), their ids "0".."3", or "default" (male-1).
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return table_.resolve(voice);
  }
  // MP3 as kContainer; the error body's shape is unknown, so any non-2xx carries its text.
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;
  std::size_t max_request_chars() const override { return config_.max_request_chars; }
  std::string cache_identity() const override { return cache_identity_; }

 private:
  CloudProviderConfig config_;
  std::shared_ptr<const http::HttpClient> http_;
  VoiceTable table_;
  std::string cache_identity_ = polyvox::cache_identity(config_);
};

}  // namespace polyvox
