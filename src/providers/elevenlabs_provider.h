// ElevenLabs text-to-speech over its HTTP API (docs/providers.md): POST
// {base}/v1/text-to-speech/{voice_id}?output_format=..., key in xi-api-key, the neighbouring
// blocks' text as previous_text/next_text; voices from the seed's table, the configuration, the
// live GET /v1/voices list, or any raw 20-character voice id.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"
#include "providers/provider_kinds.h"
#include "providers/voice_table.h"

namespace polyvox {

// The kind "elevenlabs": defaults (eleven_multilingual_v2, mp3_44100_128, rachel, 4 in flight,
// 120 s per request), the built-in `elevenlabs` (ELEVENLABS_*), output formats mp3_*, opus_* and
// pcm_<rate>; max_request_chars follows the model unless the file sets it.
ProviderKind elevenlabs_provider_kind();

// The per-request character limit of an ElevenLabs model (approximate, see docs/providers.md).
std::size_t elevenlabs_model_char_limit(std::string_view model_id);

class ElevenLabsProvider : public Provider {
 public:
  // REQUIRES: config.kind == "elevenlabs", a base URL and a key (unusable_reason empty).
  ElevenLabsProvider(CloudProviderConfig config, std::shared_ptr<const http::HttpClient> http);

  const std::string& name() const override { return config_.name; }
  std::string kind() const override { return "elevenlabs"; }
  VoiceList voices() const override;
  VoiceList live_voices(const CancelToken* cancel = nullptr) override;
  // A name of the table or of the live list (any case), a voice id, "default" (the configured
  // default voice, rachel unless set), or any 20-character alphanumeric id.
  std::optional<std::string> resolve_voice(std::string_view voice) const override;
  // The configured output format's audio: MP3 or Ogg Opus as kContainer, pcm_<rate> as
  // kPcmS16le at that rate. With request.word_marks, asked of /with-timestamps (the same audio
  // in JSON, base64, with each character's times): marks from its alignment (source
  // "elevenlabs"; none when it has no usable alignment); an answer without audio is kUnavailable.
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;
  std::size_t max_request_chars() const override { return config_.max_request_chars; }
  std::string cache_identity() const override { return cache_identity_; }
  // voice_settings.speed's range (config.native_speed) relative to the configured one.
  SpeedRange native_speed() const override {
    return config_.native_speed.relative_to(config_.voice_settings.speed.value_or(1.0));
  }
  // Sent as previous_text/next_text, for prosody that runs on across blocks.
  bool uses_neighbour_text() const override { return true; }

 private:
  Result<std::vector<VoiceInfo>> fetch_voices(const CancelToken* cancel) const;
  // The table's voices and `live_`, as one list. REQUIRES: live_mutex_ held.
  VoiceList merged_locked() const;
  // The audio and marks of a 2xx /with-timestamps answer `body` for `text`.
  Result<audio::EncodedAudio> audio_with_timestamps(const std::string& body,
                                                    std::string_view text) const;

  CloudProviderConfig config_;
  std::shared_ptr<const http::HttpClient> http_;
  VoiceTable table_;
  std::string cache_identity_ = polyvox::cache_identity(config_);
  int pcm_rate_ = 0;  // > 0 when the output format is pcm_<rate>

  mutable std::mutex live_mutex_;  // guards the members below
  std::vector<VoiceInfo> live_;    // last list fetched, without the table's voices
  VoiceList voices_;               // the table's voices, then live_'s
  std::map<std::string, std::string, std::less<>> live_by_name_;  // lower-case name -> id
  std::set<std::string, std::less<>> live_ids_;
  std::chrono::steady_clock::time_point live_fetched_at_;
  bool live_fetched_ = false;
  // The last fetch that failed: none is tried again for kVoiceListRetryAfter.
  std::optional<std::chrono::steady_clock::time_point> live_failed_at_;
  // Held by the one fetch in progress: callers meanwhile take the list as it is.
  std::mutex fetch_mutex_;
};

}  // namespace polyvox
