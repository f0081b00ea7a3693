#include "providers/openai_provider.h"

#include <gtest/gtest.h>

#include "audio/decoder.h"
#include "cloud_test_env.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::MockVendorTest;

class OpenAiProviderTest : public MockVendorTest {
 protected:
  std::unique_ptr<OpenAiProvider> provider(const std::string& name = "openai",
                                           const test_support::EnvMap& extra = {},
                                           const std::string& toml = "") {
    return std::make_unique<OpenAiProvider>(configured(name, extra, toml), http_);
  }
};

TEST_F(OpenAiProviderTest, SendsTheDocumentedRequestAndReturnsMp3) {
  auto p = provider("openai", {{"OPENAI_ORG_ID", "org-1"}, {"OPENAI_PROJECT_ID", "proj-1"}});
  const std::string text = "The quick brown fox.";
  auto audio = p->synthesize({text, *p->resolve_voice("Nova")});
  ASSERT_TRUE(audio.ok()) << audio.error().message;

  const json log = mocks_->requests("openai");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/v1/audio/speech");
  EXPECT_EQ(log[0]["headers"]["authorization"], "Bearer " + mocks_->key("openai"));
  EXPECT_EQ(log[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(log[0]["headers"]["openai-organization"], "org-1");
  EXPECT_EQ(log[0]["headers"]["openai-project"], "proj-1");
  EXPECT_EQ(log[0]["json"], (json{{"model", "tts-1"},
                                  {"input", text},
                                  {"voice", "nova"},
                                  {"response_format", "mp3"},
                                  {"speed", 1.0}}));

  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok()) << pcm.error().message;
  EXPECT_EQ(pcm->sample_rate, 24000);
  EXPECT_NEAR(pcm->duration_ms(), 60.0 * text.size(), 80.0);
  EXPECT_EQ(p->max_request_chars(), 4096u);
  EXPECT_FALSE(p->uses_neighbour_text());  // the worker then skips reading the neighbours
}

TEST_F(OpenAiProviderTest, PcmResponseFormatIsRawPcmAt24kHz) {
  auto p = provider("openai", {},
                    "[providers.openai]\noutput_format = \"pcm\"\nspeed = 1.25\n"
                    "model = \"gpt-4o-mini-tts\"\ninstructions = \"Calm.\"\n");
  auto audio = p->synthesize({"Raw.", "alloy"});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->encoding, audio::AudioEncoding::kPcmS16le);
  EXPECT_EQ(audio->sample_rate, 24000);
  const json body = mocks_->requests("openai")[0]["json"];
  EXPECT_EQ(body["response_format"], "pcm");
  EXPECT_EQ(body["speed"], 1.25);
  EXPECT_EQ(body["model"], "gpt-4o-mini-tts");
  EXPECT_EQ(body["instructions"], "Calm.");
}

TEST_F(OpenAiProviderTest, WrongKeyIsFinalAndTheEchoedKeyIsRedacted) {
  // OpenAI repeats the key it was given in its message; it must not reach ours.
  auto p = provider("openai", {{"OPENAI_API_KEY", "sk-wrong-secret-42"}});
  auto audio = p->synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(audio.error().message.find("HTTP 401 invalid_api_key: Incorrect API key provided"),
            std::string::npos)
      << audio.error().message;
  EXPECT_EQ(audio.error().message.find("sk-wrong-secret-42"), std::string::npos);
}

TEST_F(OpenAiProviderTest, RateLimitIsRetryableButInsufficientQuotaIsFinal) {
  auto p = provider();
  mocks_->fail_next("openai",
                    {{"kind", "rate_limit"}, {"retry_after", 20}, {"retry_after_ms", 1200}});
  auto limited = p->synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(limited.error().retry_after_s, 2);  // retry-after-ms wins
  EXPECT_NE(limited.error().message.find("rate_limit_exceeded"), std::string::npos);

  mocks_->fail_next("openai", {{"kind", "quota"}});
  auto quota = p->synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(quota.ok());
  EXPECT_EQ(quota.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(quota.error().message.find("HTTP 429 insufficient_quota"), std::string::npos);
}

TEST_F(OpenAiProviderTest, ServerErrorsAreTransientAndBadRequestsFinal) {
  auto p = provider("openai", {}, "[providers.openai]\naccept_any_voice = true\n");
  mocks_->fail_next("openai", {{"kind", "server_error"}, {"status", 502}, {"retry_after", 4}});
  auto server = p->synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(server.error().retry_after_s, 4);

  auto bad = p->synthesize({"Hello.", "no-such-voice"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(bad.error().message.find("Invalid value for 'voice': 'no-such-voice'"),
            std::string::npos)
      << bad.error().message;
}

TEST_F(OpenAiProviderTest, RefusesA200WithAJsonErrorBody) {
  auto p = provider();
  mocks_->fail_next("openai", {{"kind", "json_error_200"}, {"message", "model overloaded"}});
  auto audio = p->synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(audio.error().message.find("HTTP 200 with application/json instead of audio"),
            std::string::npos)
      << audio.error().message;
  EXPECT_NE(audio.error().message.find("model overloaded"), std::string::npos);
}

TEST_F(OpenAiProviderTest, GarbageAudioPassesThroughForTheAnswerCheck) {
  // The provider returns what the vendor sent; decoding and the answer check catch the damage.
  auto p = provider();
  mocks_->fail_next("openai", {{"kind", "garbage"}});
  auto garbage = p->synthesize({"Hello there.", "alloy"});
  ASSERT_TRUE(garbage.ok());
  EXPECT_FALSE(audio::decode_audio(*garbage).ok());
}

TEST_F(OpenAiProviderTest, GhaymahSpeaksTheOpenAiProtocolWithItsOwnVoicesAndErrors) {
  auto p = provider("ghaymah");
  EXPECT_EQ(p->kind(), "openai");
  EXPECT_EQ(p->voices().size(), 322u);
  EXPECT_EQ(p->resolve_voice("ar-sa-hamedneural"), "ar-SA-HamedNeural");
  EXPECT_EQ(p->resolve_voice("default"), "ar-SA-HamedNeural");
  EXPECT_EQ(p->resolve_voice("alloy"), std::nullopt);
  EXPECT_EQ(p->voices()[0].language, "af-ZA");

  auto audio = p->synthesize({"مرحبا بكم", "ar-EG-SalmaNeural"});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  const json log = mocks_->requests("ghaymah");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/v1/audio/speech");
  EXPECT_EQ(log[0]["headers"]["authorization"], "Bearer " + mocks_->key("ghaymah"));
  EXPECT_EQ(log[0]["json"]["model"], "tts-1");
  EXPECT_EQ(log[0]["json"]["input"], "مرحبا بكم");
  EXPECT_EQ(log[0]["json"]["voice"], "ar-EG-SalmaNeural");

  // Ghaymah's errors are {"error": "<plain string>"}.
  mocks_->fail_next("ghaymah", {{"kind", "error"}, {"status", 400}, {"message", "text too long"}});
  auto refused = p->synthesize({"Hello.", "ar-EG-SalmaNeural"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_EQ(refused.error().message, "ghaymah: HTTP 400: text too long");
}

TEST_F(OpenAiProviderTest, ASecondCompatibleServerIsOneConfigSection) {
  const std::string toml =
      "[providers.local_tts]\n"
      "kind = \"openai\"\n"
      "base_url = \"" +
      mocks_->url("openai") +
      "/\"\n"
      "api_key_env = \"LOCAL_TTS_KEY\"\n"
      "model = \"tts-1-hd\"\n"
      "voice_table = \"none\"\n"
      "voices = { narrator = \"onyx\" }\n"
      "default_voice = \"narrator\"\n"
      "max_request_chars = 1000\n";
  auto p = provider("local_tts", {{"LOCAL_TTS_KEY", mocks_->key("openai")}}, toml);
  EXPECT_EQ(p->name(), "local_tts");
  EXPECT_EQ(p->resolve_voice("default"), "onyx");
  EXPECT_EQ(p->resolve_voice("Narrator"), "onyx");
  EXPECT_EQ(p->resolve_voice("echo"), std::nullopt);
  EXPECT_EQ(p->max_request_chars(), 1000u);
  auto audio = p->synthesize({"Second server.", "onyx"});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(mocks_->requests("openai")[0]["json"]["model"], "tts-1-hd");
}

}  // namespace
}  // namespace polyvox
