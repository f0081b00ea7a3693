// The provider kinds drive the configuration loader: their defaults apply once, alike to the
// built-in instances and to the ones a file declares; their checks and names reach the messages.
#include "providers/provider_kinds.h"

#include <gtest/gtest.h>

#include "app/registrations.h"
#include "cloud_test_env.h"

namespace polyvox {
namespace {

using test_support::config_from;
using test_support::provider_config;

std::string load_error(const ProviderKinds& kinds, const std::string& toml) {
  try {
    (void)load_providers_config(
        kinds, [](const std::string&) { return std::nullopt; }, toml, "test.toml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// What a kind's defaults decide, side by side.
void expect_same_defaults(const CloudProviderConfig& a, const CloudProviderConfig& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.output_format, b.output_format);
  EXPECT_EQ(a.default_voice, b.default_voice);
  EXPECT_EQ(a.voice_table, b.voice_table);
  EXPECT_EQ(a.accept_any_voice, b.accept_any_voice);
  EXPECT_EQ(a.speed, b.speed);
  EXPECT_EQ(a.max_request_chars, b.max_request_chars);
  EXPECT_EQ(a.settings.max_concurrency, b.settings.max_concurrency);
  EXPECT_EQ(a.settings.connect_timeout, b.settings.connect_timeout);
  EXPECT_EQ(a.settings.request_timeout, b.settings.request_timeout);
}

TEST(ProviderKindsTest, RegistersTheFourCloudKindsInOrder) {
  const ProviderKinds kinds = provider_kinds();
  EXPECT_EQ(kinds.names_as_choice(), "elevenlabs, openai, ghaymah_pro or kokoro");
  ASSERT_NE(kinds.find("openai"), nullptr);
  EXPECT_EQ(kinds.find("openai")->name, "openai");
  EXPECT_EQ(kinds.find("ghaymah"), nullptr);  // an instance of openai, not a kind
  EXPECT_EQ(kinds.find("OpenAI"), nullptr);
  EXPECT_EQ(local_provider_kinds().names_as_choice(), "espeak or flite");
}

TEST(ProviderKindsTest, EachKindsDefaultsApplyAlikeToItsBuiltInAndANewInstance) {
  for (const ProviderKind& kind : provider_kinds().all()) {
    SCOPED_TRACE(kind.name);
    const std::string toml =
        "[providers.another]\nkind = \"" + kind.name + "\"\nbase_url = \"http://127.0.0.1:9\"\n";
    const ProvidersConfig config = config_from({}, toml);
    const CloudProviderConfig builtin = provider_config(config, kind.name);
    const CloudProviderConfig declared = provider_config(config, "another");
    expect_same_defaults(builtin, declared);
    EXPECT_EQ(declared.model, kind.defaults.model);
    EXPECT_EQ(declared.output_format, kind.defaults.output_format);
    EXPECT_EQ(declared.settings.max_concurrency, kind.defaults.settings.max_concurrency);
  }
}

TEST(ProviderKindsTest, NewInstancesGetTheDocumentedDefaults) {
  // Before the kinds held them, a declared elevenlabs instance had 60 s per request and a
  // declared openai one 4 in flight; the documented values are 120 s and 8.
  const ProvidersConfig config = config_from({},
                                             "[providers.el2]\nkind = \"elevenlabs\"\n"
                                             "base_url = \"http://127.0.0.1:9\"\n"
                                             "[providers.oa2]\nkind = \"openai\"\n"
                                             "base_url = \"http://127.0.0.1:9/v1\"\n");
  EXPECT_EQ(provider_config(config, "el2").settings.request_timeout,
            std::chrono::milliseconds(120'000));
  EXPECT_EQ(provider_config(config, "el2").max_request_chars, 10'000u);
  EXPECT_EQ(provider_config(config, "oa2").settings.max_concurrency, 32);
  EXPECT_EQ(provider_config(config, "oa2").max_request_chars, 4096u);
  EXPECT_EQ(provider_config(config, "oa2").default_voice, "alloy");
}

TEST(ProviderKindsTest, UnknownKindListsTheRegisteredOnes) {
  EXPECT_EQ(load_error(provider_kinds(), "[providers.x]\nkind = \"polly\"\nbase_url = \"h\"\n"),
            "test.toml: [providers.x] kind: must be elevenlabs, openai, ghaymah_pro or kokoro");
}

// A kind of the test's own, to see the loader use every part of a descriptor.
ProviderKind test_kind(std::vector<bool>* finished_with_chars_given) {
  ProviderKind kind;
  kind.name = "tone";
  kind.defaults.voice_table = "none";
  kind.defaults.model = "tone-1";
  kind.defaults.output_format = "ogg";
  kind.defaults.settings.max_concurrency = 2;
  kind.builtins.push_back({"tone", [](const EnvLookup& env, CloudProviderConfig& c) {
                             c.base_url_env = "TONE_URL";
                             c.base_url = env_or(env, c.base_url_env, "");
                           }});
  kind.accepts_output_format = [](std::string_view format) { return format == "ogg"; };
  kind.finish = [finished_with_chars_given](CloudProviderConfig& c, bool chars_given) {
    finished_with_chars_given->push_back(chars_given);
    if (!chars_given) c.max_request_chars = 77;
  };
  return kind;
}

TEST(ProviderKindsTest, TheLoaderUsesEveryPartOfADescriptor) {
  std::vector<bool> finished;
  ProviderKinds kinds;
  kinds.add(test_kind(&finished));
  ProviderKind other;
  other.name = "other";
  other.defaults.voice_table = "none";
  kinds.add(other);

  const ProvidersConfig config = load_providers_config(
      kinds,
      [](const std::string& key) -> std::optional<std::string> {
        if (key == "TONE_URL") return "http://127.0.0.1:9/tone/";
        return std::nullopt;
      },
      "[providers.tone2]\nkind = \"tone\"\nbase_url = \"http://127.0.0.1:9\"\n"
      "max_request_chars = 5\n",
      "test.toml");
  ASSERT_EQ(config.providers.size(), 2u);
  const CloudProviderConfig& builtin = config.providers[0];
  EXPECT_EQ(builtin.name, "tone");
  EXPECT_EQ(builtin.kind, "tone");
  EXPECT_EQ(builtin.base_url, "http://127.0.0.1:9/tone");
  EXPECT_EQ(builtin.model, "tone-1");
  EXPECT_EQ(builtin.max_request_chars, 77u);
  EXPECT_TRUE(builtin.accept_any_voice);  // its voice table is empty
  EXPECT_EQ(builtin.unusable_reason, "");
  const CloudProviderConfig& declared = config.providers[1];
  EXPECT_EQ(declared.name, "tone2");
  EXPECT_EQ(declared.output_format, "ogg");
  EXPECT_EQ(declared.settings.max_concurrency, 2);
  EXPECT_EQ(declared.max_request_chars, 5u);
  EXPECT_EQ(finished, (std::vector<bool>{false, true}));

  EXPECT_EQ(load_error(kinds, "[providers.x]\nkind = \"polly\"\nbase_url = \"h\"\n"),
            "test.toml: [providers.x] kind: must be tone or other");
  EXPECT_EQ(load_error(kinds, "[providers.tone]\noutput_format = \"mp3\"\n"),
            "test.toml: [providers.tone] output_format: 'mp3' is not supported for tone");
  EXPECT_EQ(load_error(kinds,
                       "[providers.x]\nkind = \"other\"\nbase_url = \"h\"\n"
                       "output_format = \"anything\"\n"),
            "");  // no format check registered: any
}

TEST(ProviderKindsTest, AKindsFactoryBuildsItsProvider) {
  const ProviderKinds kinds = provider_kinds();
  const ProvidersConfig config = config_from({{"KOKORO_API_BASE_URL", "http://127.0.0.1:9/k"}});
  auto provider = kinds.find("kokoro")->create(provider_config(config, "kokoro"),
                                               std::make_shared<http::HttpClient>());
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->name(), "kokoro");
  EXPECT_EQ((*provider)->kind(), "kokoro");
  EXPECT_EQ((*provider)->resolve_voice("default"), "0");
}

}  // namespace
}  // namespace polyvox
