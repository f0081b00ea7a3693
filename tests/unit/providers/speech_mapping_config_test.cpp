#include "providers/speech_mapping_config.h"

#include <gtest/gtest.h>

#include "app/config.h"
#include "cloud_test_env.h"

namespace polyvox {
namespace {

using test_support::config_from;

TEST(SpeechMappingConfigTest, WithoutAFileTheOfflineDefaultsApply) {
  const SpeechMapping m = load_speech_mapping("", "", config_from({}));
  EXPECT_EQ(m.models.at("tts-1").provider, "espeak");
  EXPECT_EQ(m.models.at("tts-1-hd").provider, "flite");
  EXPECT_EQ(m.models.at("gpt-4o-mini-tts").provider, "flite");
  // The configured cloud instances, for "provider/model".
  bool openai = false;
  for (const auto& p : m.provider_models) openai |= p.provider == "openai" && p.model == "tts-1";
  EXPECT_TRUE(openai);
}

TEST(SpeechMappingConfigTest, AModelTableReplacesThatModelOnly) {
  const std::string toml = R"(
[providers.elevenlabs]
max_concurrency = 2

[openai.models."tts-1"]
provider = "elevenlabs/eleven_multilingual_v2"
voices = { alloy = "Rachel" }
arabic = "espeak:ar"
arabic_voices = { nova = "elevenlabs:Sara" }

[openai.models.house]
provider = "flite"
)";
  const ProvidersConfig providers = config_from({{"ELEVENLABS_API_KEY", "k"}}, toml);
  const SpeechMapping m = load_speech_mapping(toml, "polyvox.toml", providers);
  const SpeechModelRoute& tts1 = m.models.at("tts-1");
  EXPECT_EQ(tts1.provider, "elevenlabs/eleven_multilingual_v2");
  EXPECT_EQ(tts1.voices.at("alloy"), "Rachel");
  EXPECT_EQ(tts1.arabic, "espeak:ar");
  EXPECT_EQ(tts1.arabic_voices.at("nova"), "elevenlabs:Sara");
  EXPECT_EQ(m.models.at("house").provider, "flite");
  EXPECT_EQ(m.models.at("tts-1-hd").provider, "flite");  // untouched default
}

TEST(SpeechMappingConfigTest, RefusesMalformedTablesNamingThePlace) {
  const ProvidersConfig providers = config_from({});
  auto message = [&](const std::string& toml) -> std::string {
    try {
      load_speech_mapping(toml, "f.toml", providers);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message("[openai.models.x]\nvoices = {}\n").find("provider: is required"),
            std::string::npos);
  EXPECT_NE(message("[openai.models.x]\nprovider = \"espeak\"\narabic = \"ar\"\n")
                .find("[openai.models.x] arabic"),
            std::string::npos);
  EXPECT_NE(message("[openai.models.x]\nprovider = \"espeak\"\nspeed = 2\n").find("speed"),
            std::string::npos);
  EXPECT_NE(message("[openai]\nvoices = 1\n").find("unknown setting"), std::string::npos);
  EXPECT_NE(
      message("[openai.models.x]\nprovider = \"espeak\"\nvoices = { a = 1 }\n").find("voices.a"),
      std::string::npos);
}

TEST(SpeechMappingConfigTest, TheProvidersLoaderAcceptsTheOpenAiTable) {
  EXPECT_NO_THROW(config_from({}, "[openai.models.x]\nprovider = \"espeak\"\n"));
  EXPECT_THROW(config_from({}, "[other]\nx = 1\n"), std::invalid_argument);
}

}  // namespace
}  // namespace polyvox
