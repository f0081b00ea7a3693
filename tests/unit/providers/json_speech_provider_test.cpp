// The one implementation of the JSON-POST-then-audio family: each vendor's request as it goes on
// the wire (the body byte for byte), and what its protocol data switches on and off.
#include "providers/json_speech_provider.h"

#include <gtest/gtest.h>

#include "cloud_test_env.h"
#include "providers/ghaymah_pro_provider.h"
#include "providers/kokoro_provider.h"
#include "providers/openai_provider.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::MockVendorTest;

class JsonSpeechProviderTest : public MockVendorTest {};

TEST_F(JsonSpeechProviderTest, OpenAiBodyIsTheSameBytesAsBefore) {
  OpenAiProvider p(configured("openai"), http_);
  ASSERT_TRUE(p.synthesize({"Hi \"you\".", "nova"}).ok());
  const json log = mocks_->requests("openai");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["body"],
            R"({"input":"Hi \"you\".","model":"tts-1","response_format":"mp3","speed":1.0,)"
            R"("voice":"nova"})");
  EXPECT_EQ(log[0]["headers"]["accept"], "application/octet-stream");
  // Without an organization or a project configured, their headers are not sent at all.
  EXPECT_FALSE(log[0]["headers"].contains("openai-organization"));
  EXPECT_FALSE(log[0]["headers"].contains("openai-project"));
}

TEST_F(JsonSpeechProviderTest, OpenAiInstructionsAreSentOnlyWhenConfigured) {
  OpenAiProvider with(configured("openai", {},
                                 "[providers.openai]\nmodel = \"gpt-4o-mini-tts\"\n"
                                 "instructions = \"Slowly.\"\nspeed = 0.5\n"),
                      http_);
  ASSERT_TRUE(with.synthesize({"One.", "alloy"}).ok());
  EXPECT_EQ(mocks_->requests("openai")[0]["body"],
            R"({"input":"One.","instructions":"Slowly.","model":"gpt-4o-mini-tts",)"
            R"("response_format":"mp3","speed":0.5,"voice":"alloy"})");
}

TEST_F(JsonSpeechProviderTest, GhaymahProBodyIsTheSameBytesAsBefore) {
  GhaymahProProvider p(configured("ghaymah_pro"), http_);
  ASSERT_TRUE(p.synthesize({"مرحبا", "1"}).ok());
  const json log = mocks_->requests("ghaymah_pro");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/tts");
  EXPECT_EQ(log[0]["body"], R"({"input":"مرحبا","response_format":"mp3","speed":1.0,"voice":"1"})");
  EXPECT_NE(log[0]["headers"].value("accept", ""), "application/json");
  EXPECT_NE(log[0]["headers"].value("accept", ""), "application/octet-stream");
}

TEST_F(JsonSpeechProviderTest, KokoroBodyIsTheSameBytesAsBefore) {
  KokoroProvider p(configured("kokoro"), http_);
  SynthesisRequest plain{"Hello.", "0"};
  plain.word_marks = false;
  ASSERT_TRUE(p.synthesize(plain).ok());
  ASSERT_TRUE(p.synthesize({"Hello.", "0"}).ok());  // word marks wanted (the default)
  const json log = mocks_->requests("kokoro");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["body"], R"({"text":"Hello.","voice_id":"0"})");
  EXPECT_EQ(log[1]["body"], R"({"return_timestamps":true,"text":"Hello.","voice_id":"0"})");
  EXPECT_EQ(log[0]["headers"]["accept"], "application/json");
  EXPECT_EQ(log[0]["headers"]["content-type"], "application/json");
}

TEST_F(JsonSpeechProviderTest, KokoroSendsAConfiguredKeyAsBearer) {
  KokoroProvider p(configured("kokoro", {{"KOKORO_KEY", "kk-1"}},
                              "[providers.kokoro]\napi_key_env = \"KOKORO_KEY\"\n"),
                   http_);
  ASSERT_TRUE(p.synthesize({"Hello.", "0"}).ok());
  EXPECT_EQ(mocks_->requests("kokoro")[0]["headers"]["authorization"], "Bearer kk-1");
}

TEST_F(JsonSpeechProviderTest, AnotherDialectIsOnlyData) {
  // A server that takes OpenAI's body at the URL itself, without model or speed, and answers
  // with a data URL: Kokoro's mock stands in, so text/voice_id are the names it knows.
  JsonSpeechProtocol protocol;
  protocol.text_field = "text";
  protocol.voice_field = "voice_id";
  protocol.accept = "application/json";
  protocol.config_headers = {{"X-Project", &CloudProviderConfig::project}};
  protocol.answer = JsonSpeechProtocol::Answer::kJsonDataUrl;
  CloudProviderConfig config = configured("kokoro");
  config.name = "dialect";
  config.project = "p-7";
  JsonSpeechProvider p(protocol, config, http_);
  EXPECT_EQ(p.name(), "dialect");
  EXPECT_EQ(p.kind(), "kokoro");
  auto audio = p.synthesize({"Data only.", "0"});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->bytes.substr(0, 4), "RIFF");
  const json log = mocks_->requests("kokoro");
  EXPECT_EQ(log[0]["body"], R"({"text":"Data only.","voice_id":"0"})");
  EXPECT_EQ(log[0]["headers"]["x-project"], "p-7");
}

TEST_F(JsonSpeechProviderTest, RawAnswersOfADataUrlProtocolAreRefused) {
  // The OpenAI mock answers with MP3 bytes: a protocol that expects a data URL says so.
  JsonSpeechProtocol protocol = openai_protocol();
  protocol.answer = JsonSpeechProtocol::Answer::kJsonDataUrl;
  JsonSpeechProvider p(protocol, configured("openai"), http_);
  auto audio = p.synthesize({"Hello.", "alloy"});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(audio.error().message,
            "openai: HTTP 200 answer is not JSON with an \"audio\" data URL");
}

}  // namespace
}  // namespace polyvox
