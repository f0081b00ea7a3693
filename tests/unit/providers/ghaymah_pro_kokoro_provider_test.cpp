#include <gtest/gtest.h>

#include "audio/decoder.h"
#include "cloud_test_env.h"
#include "providers/ghaymah_pro_provider.h"
#include "providers/kokoro_provider.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::MockVendorTest;

class GhaymahProProviderTest : public MockVendorTest {
 protected:
  std::unique_ptr<GhaymahProProvider> provider(const test_support::EnvMap& extra = {}) {
    return std::make_unique<GhaymahProProvider>(configured("ghaymah_pro", extra), http_);
  }
};

TEST_F(GhaymahProProviderTest, MapsItsFourVoicesToIds) {
  auto p = provider();
  EXPECT_EQ(p->resolve_voice("male-1"), "0");
  EXPECT_EQ(p->resolve_voice("male-2"), "1");
  EXPECT_EQ(p->resolve_voice("Female-1"), "2");
  EXPECT_EQ(p->resolve_voice("female-2"), "3");
  EXPECT_EQ(p->resolve_voice("3"), "3");
  EXPECT_EQ(p->resolve_voice("default"), "0");
  EXPECT_EQ(p->resolve_voice("4"), std::nullopt);
  ASSERT_EQ(p->voices().size(), 4u);
  EXPECT_EQ(p->voices()[2].gender, "female");
}

TEST_F(GhaymahProProviderTest, PostsToTheUrlItselfAndReturnsMp3) {
  auto p = provider();
  const std::string text = "السلام عليكم ورحمة الله";
  auto audio = p->synthesize({text, *p->resolve_voice("female-1")});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  const json log = mocks_->requests("ghaymah_pro");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/tts");
  EXPECT_EQ(log[0]["headers"]["authorization"], "Bearer " + mocks_->key("ghaymah_pro"));
  EXPECT_EQ(log[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(log[0]["json"],
            (json{{"input", text}, {"voice", "2"}, {"response_format", "mp3"}, {"speed", 1.0}}));
  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok()) << pcm.error().message;
  EXPECT_NEAR(pcm->duration_ms(), 60.0 * 23, 80.0);  // 23 code points
}

TEST_F(GhaymahProProviderTest, PlainTextErrorsCarryTheirText) {
  auto bad_key = provider({{"GHAYMAH_PRO_API_KEY", "nope-nope-nope"}})->synthesize({"x", "0"});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_EQ(bad_key.error().message, "ghaymah_pro: HTTP 401: Unauthorized");

  auto p = provider();
  mocks_->fail_next("ghaymah_pro", {{"kind", "server_error"}, {"message", "model crashed"}});
  auto crashed = p->synthesize({"x", "0"});
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(crashed.error().message, "ghaymah_pro: HTTP 500: model crashed");

  mocks_->fail_next("ghaymah_pro",
                    {{"kind", "rate_limit"}, {"retry_after_date", true}, {"retry_after", 30}});
  auto limited = p->synthesize({"x", "0"});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().kind, ErrorKind::kRateLimited);
  EXPECT_GE(limited.error().retry_after_s, 28);
  EXPECT_LE(limited.error().retry_after_s, 31);
}

class KokoroProviderTest : public MockVendorTest {
 protected:
  std::unique_ptr<KokoroProvider> provider(const test_support::EnvMap& extra = {}) {
    return std::make_unique<KokoroProvider>(configured("kokoro", extra), http_);
  }
};

TEST_F(KokoroProviderTest, PostsTextAndVoiceIdWithoutAuthAndDecodesTheDataUrl) {
  auto p = provider();
  EXPECT_EQ(p->resolve_voice("default"), "0");
  EXPECT_EQ(p->resolve_voice("0"), "0");
  EXPECT_EQ(p->resolve_voice("af_bella"), std::nullopt);
  const std::string text = "A kokoro voice.";
  auto audio = p->synthesize({text, "0"});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->bytes.substr(0, 4), "RIFF");
  const json log = mocks_->requests("kokoro");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/kokoro");
  EXPECT_EQ(log[0]["json"], (json{{"text", text}, {"voice_id", "0"}, {"return_timestamps", true}}));
  EXPECT_FALSE(log[0]["headers"].contains("authorization"));
  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok()) << pcm.error().message;
  EXPECT_EQ(pcm->sample_rate, 24000);
  EXPECT_NEAR(pcm->duration_ms(), 60.0 * text.size(), 1.0);
}

TEST_F(KokoroProviderTest, ErrorsAndAnswersWithoutAudio) {
  auto p = provider();
  auto unknown = p->synthesize({"Hello.", "7"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_EQ(unknown.error().message, "kokoro: HTTP 400: unknown voice_id '7'");

  mocks_->fail_next("kokoro", {{"kind", "json_error_200"}, {"message", "GPU busy"}});
  auto busy = p->synthesize({"Hello.", "0"});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(busy.error().message.find("GPU busy"), std::string::npos);

  mocks_->fail_next("kokoro", {{"kind", "server_error"}, {"status", 503}});
  auto down = p->synthesize({"Hello.", "0"});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
}

TEST(DataUrlTest, DecodesBase64DataUrlsOnly) {
  EXPECT_EQ(decode_data_url("data:audio/wav;base64,UklGRg=="), "RIFF");
  EXPECT_EQ(decode_data_url("data:audio/wav;base64,UklG\nRg=="), "RIFF");
  EXPECT_EQ(decode_data_url("data:audio/wav,RIFF"), std::nullopt);  // not base64
  EXPECT_EQ(decode_data_url("https://example.com/a.wav"), std::nullopt);
  EXPECT_EQ(decode_data_url("data:audio/wav;base64,@@@"), std::nullopt);
}

}  // namespace
}  // namespace polyvox
