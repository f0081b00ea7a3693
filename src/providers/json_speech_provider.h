// One implementation for every vendor that speaks by a JSON POST answered with audio: OpenAI and
// the OpenAI-compatible servers (Ghaymah among them), Ghaymah Pro and Kokoro. What differs
// between them is data (JsonSpeechProtocol): the endpoint, which fields the body carries and
// under which names, extra headers, and whether the answer is the audio itself or JSON holding
// a base64 data URL. Each vendor's file pair (openai_provider.h, ghaymah_pro_provider.h,
// kokoro_provider.h) holds its protocol and its kind (provider_kinds.h); a new vendor of this
// family is one such file pair and one registration line, no new request code.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"
#include "providers/voice_table.h"

namespace polyvox {

// How a vendor's speech request and answer look.
struct JsonSpeechProtocol {
  // Appended to the configured base URL ("/audio/speech"); empty: the URL is the endpoint.
  std::string endpoint_path;
  // Names of the request body's fields; an empty name leaves the field out. The text and the
  // voice id come from the request, the rest from the instance's configuration.
  std::string text_field;          // "input" / "text"
  std::string voice_field;         // "voice" / "voice_id"
  std::string model_field;         // config.model
  std::string format_field;        // config.output_format
  std::string speed_field;         // config.speed times SynthesisRequest::speed
  std::string instructions_field;  // the request's, else config.instructions; never empty
  // The Accept header; empty: none is sent.
  std::string accept;
  // Headers carrying a configuration value, sent only when that value is not empty
  // ({"OpenAI-Organization", &CloudProviderConfig::organization}).
  std::vector<std::pair<std::string, std::string CloudProviderConfig::*>> config_headers;
  // The answer's shape: the audio bytes themselves (a JSON or text 200 is an error), or JSON
  // {"audio": "data:audio/...;base64,..."}.
  enum class Answer { kAudioBytes, kJsonDataUrl };
  Answer answer = Answer::kAudioBytes;
  // > 0: output_format "pcm" means raw s16le mono at this rate (OpenAI: 24000).
  int raw_pcm_rate = 0;
  // kJsonDataUrl only: the request field set to true to ask for word timestamps when the caller
  // wants word marks (SynthesisRequest::word_marks); the answer then may carry "timestamps"
  // (Kokoro-FastAPI's captioned speech). Empty: never asked.
  std::string timestamps_field;
};

class JsonSpeechProvider : public Provider {
 public:
  // REQUIRES: a base URL (config.unusable_reason empty but for the key, which may be missing: no
  // Authorization header is then sent). A key, when configured, is sent as a Bearer token.
  JsonSpeechProvider(JsonSpeechProtocol protocol, CloudProviderConfig config,
                     std::shared_ptr<const http::HttpClient> http);

  // All thread-safe: the configuration and the voice table are read-only after construction.
  const std::string& name() const override { return config_.name; }
  // The configured kind ("openai" for every OpenAI-compatible instance).
  std::string kind() const override { return config_.kind; }
  VoiceList voices() const override { return voices_; }
  // A voice of the table in any case, its id, "default" (the configured default voice), or
  // anything when the instance accepts any voice; nullopt otherwise.
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return table_.resolve(voice);
  }
  std::size_t max_request_chars() const override { return config_.max_request_chars; }
  std::string cache_identity() const override { return cache_identity_; }
  // config.native_speed relative to config.speed; {1, 1} when the protocol has no speed field.
  SpeedRange native_speed() const override;
  // Whether the protocol has an instructions field.
  bool takes_instructions() const override { return !protocol_.instructions_field.empty(); }

  // One POST. kAudioBytes: the body as kContainer (kPcmS16le at raw_pcm_rate for "pcm"); a 2xx
  // whose Content-Type is JSON or text, or that is empty, is an error (non_audio_error).
  // kJsonDataUrl: the data URL's bytes as kContainer; an answer without a decodable data URL is
  // kUnavailable (with the vendor's message when it carries one). Non-2xx and transport errors
  // as vendor_response.h classifies them. Thread-safe.
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;

 private:
  Result<audio::EncodedAudio> audio_of_data_url(const http::HttpClientResponse& response,
                                                std::string_view text) const;
  // The marks of a kJsonDataUrl answer's "timestamps" ([{"word", "start_time", "end_time"}],
  // seconds, as Kokoro-FastAPI's captioned speech gives them) over `text`; none without them.
  SpeechMarks marks_of(const nlohmann::json& answer, std::string_view text) const;

  JsonSpeechProtocol protocol_;
  CloudProviderConfig config_;
  std::shared_ptr<const http::HttpClient> http_;
  VoiceTable table_;
  VoiceList voices_ = table_.voices();  // after table_: its voices, shared
  std::string cache_identity_ = polyvox::cache_identity(config_);
};

// JsonSpeechProvider bound to one vendor's protocol, so that the vendor has a class name of its
// own (OpenAiProvider, ...) to be built by: it adds no behaviour.
template <JsonSpeechProtocol (*kProtocol)()>
class VendorSpeechProvider final : public JsonSpeechProvider {
 public:
  VendorSpeechProvider(CloudProviderConfig config, std::shared_ptr<const http::HttpClient> http)
      : JsonSpeechProvider(kProtocol(), std::move(config), std::move(http)) {}
};

// The bytes of a base64 data URL ("data:audio/wav;base64,UklG..."); nullopt when `url` is not
// one or its base64 is malformed.
std::optional<std::string> decode_data_url(std::string_view url);
// The bytes of standard base64 (white space allowed); nullopt when it is not base64.
std::optional<std::string> decode_base64(std::string_view data);

}  // namespace polyvox
