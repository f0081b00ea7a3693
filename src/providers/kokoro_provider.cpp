#include "providers/kokoro_provider.h"

namespace polyvox {
namespace {

// The built-in `kokoro`: KOKORO_API_BASE_URL, no key.
void configure_kokoro(const EnvLookup& env, CloudProviderConfig& c) {
  c.base_url_env = "KOKORO_API_BASE_URL";
  c.base_url = env_or(env, c.base_url_env, "");
}

}  // namespace

JsonSpeechProtocol kokoro_protocol() {
  return {.text_field = "text",
          .voice_field = "voice_id",
          .accept = "application/json",
          .answer = JsonSpeechProtocol::Answer::kJsonDataUrl,
          .timestamps_field = "return_timestamps"};
}

ProviderKind kokoro_provider_kind() {
  return {.name = "kokoro",
          .defaults = {.default_voice = "default",
                       .voice_table = "kokoro",
                       .settings = {.max_concurrency = 32}},
          .builtins = {{"kokoro", configure_kokoro}},
          .create = construct_provider<KokoroProvider>};
}

}  // namespace polyvox
