#include "providers/ghaymah_pro_provider.h"

namespace polyvox {
namespace {

// The built-in `ghaymah_pro`: GHAYMAH_PRO_API_BASE_URL, GHAYMAH_PRO_API_KEY.
void configure_ghaymah_pro(const EnvLookup& env, CloudProviderConfig& c) {
  c.base_url_env = "GHAYMAH_PRO_API_BASE_URL";
  c.base_url = env_or(env, c.base_url_env, "");
  c.api_key_env = "GHAYMAH_PRO_API_KEY";
}

}  // namespace

JsonSpeechProtocol ghaymah_pro_protocol() {
  return {.text_field = "input",
          .voice_field = "voice",
          .format_field = "response_format",  // always "mp3": the only format the kind accepts
          .speed_field = "speed",
          .answer = JsonSpeechProtocol::Answer::kAudioBytes};
}

ProviderKind ghaymah_pro_provider_kind() {
  return {.name = "ghaymah_pro",
          .defaults = {.default_voice = "male-1",
                       .voice_table = "ghaymah_pro",
                       .output_format = "mp3",
                       .settings = {.max_concurrency = 32}},
          .builtins = {{"ghaymah_pro", configure_ghaymah_pro}},
          .accepts_output_format = [](std::string_view format) { return format == "mp3"; },
          .create = construct_provider<GhaymahProProvider>};
}

}  // namespace polyvox
