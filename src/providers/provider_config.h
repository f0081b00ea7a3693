// Configuration of the cloud providers: the seed's environment variables configure the built-in
// ones with no file at all; an optional TOML file (POLYVOX_CONFIG) adjusts them and declares more
// instances of any kind (a second OpenAI-compatible server is one section, no code). Which kinds
// exist, their defaults and their built-in instances come from the kinds registered
// (provider_kinds.h); this file reads and checks what is common to all of them.
//
// Environment (also read from .env), as the registered kinds read it:
//   ELEVENLABS_API_KEY         key of `elevenlabs` (header xi-api-key)
//   ELEVENLABS_BASE_URL        default https://api.elevenlabs.io
//   ELEVENLABS_MODEL_ID        default eleven_multilingual_v2
//   ELEVENLABS_OUTPUT_FORMAT   default mp3_44100_128 (mp3_*, pcm_*, opus_*)
//   OPENAI_API_KEY             key of `openai` (Bearer)
//   OPENAI_BASE_URL            default https://api.openai.com/v1 (includes /v1, as in the SDKs)
//   OPENAI_TTS_MODEL           default tts-1
//   OPENAI_ORG_ID, OPENAI_PROJECT_ID   optional OpenAI-Organization / OpenAI-Project headers
//   GHAYMAH_API_KEY, GHAYMAH_API_BASE_URL          `ghaymah` (OpenAI protocol, 322 voices)
//   GHAYMAH_PRO_API_KEY, GHAYMAH_PRO_API_BASE_URL  `ghaymah_pro` (the URL is the endpoint)
//   KOKORO_API_BASE_URL        `kokoro` (the URL is the endpoint, no key)
//   POLYVOX_CONFIG             path of the TOML file; unset = no file
// A built-in provider whose key or URL is missing is still listed, unusable, with the reason
// ("OPENAI_API_KEY is not set").
//
// TOML: one table per provider instance under [providers.<name>]. A section named like a
// built-in (elevenlabs, openai, ghaymah, ghaymah_pro, kokoro) changes that provider; values in
// the file win over the environment's. Any other name declares a new instance and needs `kind`
// and a base URL. Keys (all optional unless said):
//   kind                "elevenlabs" | "openai" | "ghaymah_pro" | "kokoro" (required for new names)
//   base_url            the API base (openai: ends in /v1; ghaymah_pro, kokoro: the endpoint)
//   base_url_env        name of an environment variable holding the base URL instead
//   api_key_env         NAME of the environment variable holding the key; the key itself is
//                       never written in the file (an `api_key` key is refused). Without it an
//                       openai/ghaymah_pro instance sends no Authorization header.
//   model               elevenlabs model_id / openai model
//   default_voice       what a block's voice "default" means (a name or an id)
//   voice_table         built-in voices to start from: "elevenlabs", "openai", "ghaymah",
//                       "ghaymah_pro", "kokoro", "none" (default: the kind's own table)
//   voices              { name = "id", ... } names added to (or replacing in) the table
//   accept_any_voice    pass voices not in the table through as ids (default: true when the
//                       table is empty, else false; ElevenLabs always accepts 20-character ids)
//   output_format       elevenlabs: mp3_44100_128 (default), mp3_*, pcm_<rate>, opus_*;
//                       openai: mp3 (default), opus, aac, flac, wav, pcm (raw 24 kHz)
//   speed               openai speed 0.25..4.0 (default 1.0): the instance's pace; a block's
//                       `speed` multiplies it
//   native_speed        [min, max]: the speeds the vendor honours itself (openai: [0.25, 4.0],
//                       elevenlabs: [0.7, 1.2], others [1.0, 1.0] = none); a block's speed
//                       beyond them is made by a time stretch. [1.0, 1.0] for a server that
//                       ignores `speed` (or whose model does)
//   instructions        openai gpt-4o-mini-tts voice instructions
//   organization, project   openai headers
//   enable_logging      elevenlabs: false = zero-retention mode (query enable_logging=false)
//   voice_settings      elevenlabs { stability, similarity_boost, style, use_speaker_boost,
//                       speed }: sent only when given (else the voice's own settings apply);
//                       voice_settings.speed is the instance's pace, a block's `speed`
//                       multiplies it (sent when either is not 1)
//   voices_cache_seconds  how long a live voice list is kept (default 600)
//   max_concurrency     ceiling of the requests in flight at once (default 32); the live limit
//                       under it halves on a 429 / Retry-After and grows back (adaptive_limit.h)
//   connect_timeout_ms  default 10000
//   timeout_ms          one whole request; default 60000 (elevenlabs 120000)
//   max_request_chars   characters per request; longer text is split by the caller (defaults:
//                       elevenlabs by model: 10000 multilingual v2, 40000 flash/turbo v2.5,
//                       3000 v3; openai 4096; ghaymah_pro and kokoro 0 = unlimited)
//   fallback            [{ provider = "espeak", voice = "en" }, ...] tried in order when this
//                       provider fails for good
//   enabled             false removes the provider
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/named_registry.h"
#include "providers/provider_settings.h"
#include "providers/speed_range.h"

namespace polyvox {

struct ProviderKind;                                // provider_kinds.h
using ProviderKinds = NamedRegistry<ProviderKind>;  // provider_kinds.h

// ElevenLabs voice_settings; only the fields set are sent.
struct ElevenLabsVoiceSettings {
  std::optional<double> stability;         // 0..1
  std::optional<double> similarity_boost;  // 0..1
  std::optional<double> style;             // 0..1
  std::optional<bool> use_speaker_boost;
  std::optional<double> speed;  // about 0.7..1.2
  bool empty() const {
    return !stability && !similarity_boost && !style && !use_speaker_boost && !speed;
  }
};

// One configured cloud provider instance.
struct CloudProviderConfig {
  std::string name;          // what blocks write in "provider"
  std::string kind;          // "elevenlabs", "openai", "ghaymah_pro", "kokoro"
  std::string base_url;      // without a trailing slash
  std::string base_url_env;  // the variable the base URL came from ("" = written in the file)
  std::string api_key_env;   // the variable the key came from ("" = no key is used)
  std::string api_key;       // its value (secret: never logged, never in a message)
  std::string model;
  std::string default_voice;
  std::string voice_table;                    // built-in table name
  std::map<std::string, std::string> voices;  // extra name -> id
  bool accept_any_voice = false;
  std::string output_format;
  double speed = 1.0;
  SpeedRange native_speed;  // the vendor's own speeds, absolute (speed_range.h)
  std::string instructions;
  std::string organization;
  std::string project;
  std::optional<bool> enable_logging;
  ElevenLabsVoiceSettings voice_settings;
  std::chrono::seconds voices_cache_ttl{600};
  std::size_t max_request_chars = 0;  // 0 = unlimited
  ProviderSettings settings;
  // Why the instance cannot be used ("GHAYMAH_API_KEY is not set"); empty when it can.
  std::string unusable_reason;
};

struct ProvidersConfig {
  std::vector<CloudProviderConfig> providers;  // built-ins first, then the file's, by name
};

// Looks a variable up (environment, then .env); nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The value of `key` when it is set and not empty, else `fallback`.
std::string env_or(const EnvLookup& env, const std::string& key, const std::string& fallback);

// The text of the TOML file POLYVOX_CONFIG names; "" when it is unset. Throws
// std::invalid_argument naming the path when the file cannot be read.
std::string config_file_text(const EnvLookup& env);

// Every instance: the built-in ones of `kinds` (in registration order) configured from the
// environment, then adjusted, removed or joined by new ones by the TOML file POLYVOX_CONFIG
// names, when set. Each instance starts from its kind's defaults. Throws std::invalid_argument
// naming the file, the section and the key for anything malformed (fatal start-up configuration):
// an unreadable file, a TOML syntax error, an unknown key or kind, a value of the wrong type or out
// of range, an `api_key` written in the file. Thread-safe (reads only its arguments).
ProvidersConfig load_providers_config(const ProviderKinds& kinds, const EnvLookup& env);

// The same with the TOML text given (tests); `source` names it in messages. Empty text = no file.
ProvidersConfig load_providers_config(const ProviderKinds& kinds, const EnvLookup& env,
                                      std::string_view toml_text, const std::string& source);

// What, besides the text and the voice, determines the audio of `config`'s provider: kind,
// endpoint, model, output format, speed, instructions, voice settings (Provider::cache_identity).
std::string cache_identity(const CloudProviderConfig& config);

}  // namespace polyvox
