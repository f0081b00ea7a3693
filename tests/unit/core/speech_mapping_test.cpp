#include "core/speech_mapping.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace polyvox {
namespace {

// espeak and flite usable; elevenlabs configured without its key; openai usable.
class Directory : public ProviderDirectory {
 public:
  std::vector<std::string> usable_providers() const override {
    return {"espeak", "flite", "openai"};
  }
  std::string unusable_reason(std::string_view provider) const override {
    if (voices_.count(std::string(provider))) return "";
    if (provider == "elevenlabs") return "ELEVENLABS_API_KEY is not set";
    return "unknown provider";
  }
  bool has_voice(std::string_view provider, std::string_view voice) const override {
    const auto& v = voices_.at(std::string(provider));
    return voice == "default" || v.count(std::string(voice));
  }
  std::vector<std::string> example_voices(std::string_view provider) const override {
    const auto& v = voices_.at(std::string(provider));
    return {v.begin(), v.end()};
  }

 private:
  std::map<std::string, std::set<std::string>> voices_{
      {"espeak", {"en-us+f3", "ar", "ar+f3", "en"}},
      {"flite", {"slt", "rms"}},
      {"openai", {"alloy", "nova"}}};
};

SpeechMapping mapping() {
  SpeechMapping m = default_speech_mapping();
  m.provider_models = {{"openai", "openai", "tts-1"},
                       {"elevenlabs", "elevenlabs", "eleven_multilingual_v2"}};
  return m;
}

TEST(SpeechMappingTest, OfflineDefaultsSpeakEveryOpenAiVoiceInBothScripts) {
  const Directory providers;
  const SpeechMapping m = default_speech_mapping();
  for (const char* model : {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}) {
    for (const std::string& voice : openai_voice_names()) {
      auto v = resolve_speech_voices(m, providers, model, voice);
      ASSERT_TRUE(v.ok()) << model << " " << voice << ": " << v.error().message;
      EXPECT_TRUE(v->other.provider == "espeak" || v->other.provider == "flite");
      EXPECT_EQ(v->arabic.provider, "espeak");
      EXPECT_EQ(v->arabic.voice.substr(0, 3), "ar+") << voice;
    }
  }
  auto alloy = resolve_speech_voices(m, providers, "tts-1", "alloy");
  EXPECT_EQ(alloy->other, (VoiceChoice{"espeak", "en-us+f3"}));
  EXPECT_EQ(alloy->arabic, (VoiceChoice{"espeak", "ar+f3"}));
  EXPECT_TRUE(check_speech_choice(alloy->other, providers).ok());
}

TEST(SpeechMappingTest, AProviderNameOrProviderSlashModelIsAModel) {
  const Directory providers;
  auto direct = resolve_speech_voices(mapping(), providers, "openai", "nova");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->other, (VoiceChoice{"openai", "nova"}));
  auto by_model = resolve_speech_voices(mapping(), providers, "openai/tts-1", "alloy");
  ASSERT_TRUE(by_model.ok());
  EXPECT_EQ(by_model->other.provider, "openai");
}

TEST(SpeechMappingTest, ProviderColonVoiceAddressesAnyProviderDirectly) {
  const Directory providers;
  auto v = resolve_speech_voices(mapping(), providers, "tts-1", "flite:rms");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->other, (VoiceChoice{"flite", "rms"}));
  EXPECT_EQ(v->arabic, (VoiceChoice{"flite", "rms"}));
}

TEST(SpeechMappingTest, UnknownOrUnusableModelIsNotFoundNamingTheReason) {
  const Directory providers;
  auto unknown = resolve_speech_voices(mapping(), providers, "tts-9", "alloy");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(unknown.error().field, "model");
  EXPECT_NE(unknown.error().message.find("tts-1"), std::string::npos);  // lists what exists
  auto keyless =
      resolve_speech_voices(mapping(), providers, "elevenlabs/eleven_multilingual_v2", "x");
  ASSERT_FALSE(keyless.ok());
  EXPECT_EQ(keyless.error().field, "model");
  EXPECT_NE(keyless.error().message.find("ELEVENLABS_API_KEY"), std::string::npos);
  EXPECT_FALSE(resolve_speech_voices(mapping(), providers, "openai/gpt-9", "alloy").ok());
}

TEST(SpeechMappingTest, AVoiceTheProviderDoesNotHaveFailsItsCheck) {
  const Directory providers;
  auto v = resolve_speech_voices(mapping(), providers, "openai", "nobody");
  ASSERT_TRUE(v.ok());  // resolved: checked only when a block uses it
  Status s = check_speech_choice(v->other, providers);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(s.error().field, "voice");
  EXPECT_NE(s.error().message.find("nobody"), std::string::npos);
}

TEST(SpeechMappingTest, ListsUsableModelsOnly) {
  const Directory providers;
  auto models = usable_speech_models(mapping(), providers);
  auto has = [&](const std::string& m) {
    return std::find(models.begin(), models.end(), m) != models.end();
  };
  EXPECT_TRUE(has("tts-1") && has("tts-1-hd") && has("gpt-4o-mini-tts"));
  EXPECT_TRUE(has("espeak") && has("flite") && has("openai/tts-1"));
  EXPECT_FALSE(has("elevenlabs/eleven_multilingual_v2"));
  EXPECT_EQ(std::set<std::string>(models.begin(), models.end()).size(), models.size());
}

}  // namespace
}  // namespace polyvox
