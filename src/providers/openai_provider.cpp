#include "providers/openai_provider.h"

#include <algorithm>
#include <iterator>

namespace polyvox {
namespace {

// The built-in `openai`: OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_TTS_MODEL, OPENAI_ORG_ID,
// OPENAI_PROJECT_ID.
void configure_openai(const EnvLookup& env, CloudProviderConfig& c) {
  c.base_url = env_or(env, "OPENAI_BASE_URL", "https://api.openai.com/v1");
  c.api_key_env = "OPENAI_API_KEY";
  c.model = env_or(env, "OPENAI_TTS_MODEL", c.model);
  c.organization = env_or(env, "OPENAI_ORG_ID", "");
  c.project = env_or(env, "OPENAI_PROJECT_ID", "");
}

// The built-in `ghaymah`: GHAYMAH_API_BASE_URL, GHAYMAH_API_KEY; its own 322 voices.
void configure_ghaymah(const EnvLookup& env, CloudProviderConfig& c) {
  c.voice_table = "ghaymah";
  c.base_url_env = "GHAYMAH_API_BASE_URL";
  c.base_url = env_or(env, c.base_url_env, "");
  c.api_key_env = "GHAYMAH_API_KEY";
  c.default_voice = "ar-SA-HamedNeural";
}

bool accepts_output_format(std::string_view format) {
  constexpr std::string_view kFormats[] = {"mp3", "opus", "aac", "flac", "wav", "pcm"};
  return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

}  // namespace

JsonSpeechProtocol openai_protocol() {
  return {.endpoint_path = "/audio/speech",
          .text_field = "input",
          .voice_field = "voice",
          .model_field = "model",
          .format_field = "response_format",
          .speed_field = "speed",
          .instructions_field = "instructions",
          .accept = "application/octet-stream",
          .config_headers = {{"OpenAI-Organization", &CloudProviderConfig::organization},
                             {"OpenAI-Project", &CloudProviderConfig::project}},
          .answer = JsonSpeechProtocol::Answer::kAudioBytes,
          .raw_pcm_rate = 24'000};
}

ProviderKind openai_provider_kind() {
  return {.name = "openai",
          .defaults = {.model = "tts-1",
                       .default_voice = "alloy",
                       .voice_table = "openai",
                       .output_format = "mp3",
                       .native_speed = {0.25, 4.0},  // `speed` in OpenAI's API reference
                       .max_request_chars = 4096,
                       .settings = {.max_concurrency = 32}},
          .builtins = {{"openai", configure_openai}, {"ghaymah", configure_ghaymah}},
          .accepts_output_format = accepts_output_format,
          .create = construct_provider<OpenAiProvider>};
}

}  // namespace polyvox
