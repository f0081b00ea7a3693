// OpenAI speech and every OpenAI-compatible server (Ghaymah among them): POST {base}/audio/speech
// with a Bearer key and {model, input, voice, response_format, speed}. One class, configured per
// instance (provider_config.h): `openai` with OpenAI's voices, `ghaymah` with its 322 voices, or
// any server declared in the configuration.
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"
#include "providers/voice_table.h"

namespace polyvox {

class OpenAiProvider : public Provider {
 public:
  // REQUIRES: config.kind == "openai" and a base URL (the key may be empty: no Authorization).
  OpenAiProvider(CloudProviderConfig config, std::shared_ptr<const http::HttpClient> http);

  const std::string& name() const override { return config_.name; }
  std::string kind() const override { return "openai"; }
  std::vector<VoiceInfo> voices() const override { return table_.voices(); }
  // A voice of the table in any case ("Nova", "ar-sa-hamedneural"), "default", or anything when
  // the instance accepts any voice.
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return table_.resolve(voice);
  }
  // The configured response_format's bytes: kContainer, or for "pcm" kPcmS16le at 24 kHz. A 200
  // whose Content-Type is JSON or text is an error (some compatible servers answer so).
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
