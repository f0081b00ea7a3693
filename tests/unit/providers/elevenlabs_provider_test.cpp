#include "providers/elevenlabs_provider.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "audio/decoder.h"
#include "cloud_test_env.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::MockVendorTest;

constexpr double kMockMsPerChar = 60.0;  // mock_vendors.py MS_PER_CHAR
constexpr const char* kRachel = "21m00Tcm4TlvDq8ikWAM";

class ElevenLabsProviderTest : public MockVendorTest {
 protected:
  std::unique_ptr<ElevenLabsProvider> provider(const test_support::EnvMap& extra = {},
                                               const std::string& toml = "") {
    return std::make_unique<ElevenLabsProvider>(configured("elevenlabs", extra, toml), http_);
  }

  static void expect_no_key(const Error& error) {
    EXPECT_EQ(error.message.find(mocks_->key("elevenlabs")), std::string::npos) << error.message;
  }
};

TEST_F(ElevenLabsProviderTest, SendsTheDocumentedRequestAndReturnsMp3OfTheTextsLength) {
  auto p = provider();
  SynthesisRequest request{"Hello from the mock vendor.", *p->resolve_voice("rachel")};
  request.previous_text = "Before.";
  request.next_text = "After.";
  auto audio = p->synthesize(request);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->encoding, audio::AudioEncoding::kContainer);

  const json log = mocks_->requests("elevenlabs");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], std::string("/v1/text-to-speech/") + kRachel + "/with-timestamps");
  EXPECT_EQ(log[0]["query"]["output_format"][0], "mp3_44100_128");
  EXPECT_EQ(log[0]["headers"]["xi-api-key"], mocks_->key("elevenlabs"));
  EXPECT_EQ(log[0]["headers"]["content-type"], "application/json");
  EXPECT_FALSE(log[0]["headers"].contains("authorization"));
  const json& body = log[0]["json"];
  EXPECT_EQ(body["text"], "Hello from the mock vendor.");
  EXPECT_EQ(body["model_id"], "eleven_multilingual_v2");
  EXPECT_EQ(body["previous_text"], "Before.");
  EXPECT_EQ(body["next_text"], "After.");
  EXPECT_FALSE(body.contains("voice_settings"));  // the voice's own settings apply

  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok()) << pcm.error().message;
  EXPECT_EQ(pcm->sample_rate, 44100);
  EXPECT_NEAR(pcm->duration_ms(), kMockMsPerChar * request.text.size(), 80.0);
}

TEST_F(ElevenLabsProviderTest, WithoutWordMarksUsesThePlainRouteAndItsAudioBody) {
  auto p = provider();
  SynthesisRequest request{"No timings wanted.", kRachel};
  request.word_marks = false;
  auto audio = p->synthesize(request);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_TRUE(audio->marks.marks.empty());
  const json log = mocks_->requests("elevenlabs");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], std::string("/v1/text-to-speech/") + kRachel);
  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok()) << pcm.error().message;
  EXPECT_NEAR(pcm->duration_ms(), kMockMsPerChar * request.text.size(), 80.0);
}

// An alignment is one entry per character spoken: a list far longer than the text is not one
// (the audio stays, without word marks), and is never searched entry by entry.
TEST_F(ElevenLabsProviderTest, AnAlignmentFarLongerThanTheTextIsIgnored) {
  auto p = provider();
  SynthesisRequest request{"Hello from the mock vendor.", *p->resolve_voice("rachel")};
  auto marked = p->synthesize(request);
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  EXPECT_FALSE(marked->marks.marks.empty());  // the mock's alignment reads as word marks
  mocks_->fail_next("elevenlabs", {{"kind", "long_alignment"}});
  auto audio = p->synthesize(request);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_FALSE(audio->bytes.empty());
  EXPECT_TRUE(audio->marks.marks.empty());
}

TEST_F(ElevenLabsProviderTest, LeavesOutEmptyNeighboursAndSendsConfiguredSettings) {
  auto p = provider({{"ELEVENLABS_MODEL_ID", "eleven_flash_v2_5"}},
                    "[providers.elevenlabs]\n"
                    "voice_settings = { stability = 0.3, similarity_boost = 0.8, "
                    "use_speaker_boost = false, speed = 1.1 }\n"
                    "enable_logging = false\n");
  ASSERT_TRUE(p->synthesize({"Settings.", kRachel}).ok());
  const json log = mocks_->requests("elevenlabs");
  const json& body = log[0]["json"];
  EXPECT_EQ(body["model_id"], "eleven_flash_v2_5");
  EXPECT_FALSE(body.contains("previous_text"));
  EXPECT_FALSE(body.contains("next_text"));
  EXPECT_DOUBLE_EQ(body["voice_settings"]["stability"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(body["voice_settings"]["similarity_boost"].get<double>(), 0.8);
  EXPECT_EQ(body["voice_settings"]["use_speaker_boost"], false);
  EXPECT_DOUBLE_EQ(body["voice_settings"]["speed"].get<double>(), 1.1);
  EXPECT_FALSE(body["voice_settings"].contains("style"));
  EXPECT_EQ(log[0]["query"]["enable_logging"][0], "false");
  EXPECT_EQ(p->max_request_chars(), 40'000u);
  EXPECT_TRUE(p->uses_neighbour_text());
}

TEST_F(ElevenLabsProviderTest, PcmFormatsComeBackAsRawPcmAtTheirRate) {
  auto p = provider({{"ELEVENLABS_OUTPUT_FORMAT", "pcm_16000"}});
  const std::string text = "Raw samples please.";
  auto audio = p->synthesize({text, kRachel});
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->encoding, audio::AudioEncoding::kPcmS16le);
  EXPECT_EQ(audio->sample_rate, 16000);
  EXPECT_EQ(audio->bytes.size(), 2u * 16 * static_cast<std::size_t>(kMockMsPerChar * text.size()));
  EXPECT_EQ(mocks_->requests("elevenlabs")[0]["query"]["output_format"][0], "pcm_16000");
}

TEST_F(ElevenLabsProviderTest, ResolvesSeedNamesIdsDefaultAndRawIds) {
  auto p =
      provider({}, "[providers.elevenlabs]\nvoices = { narrator = \"AbCdEfGhIjKlMnOpQrSt\" }\n");
  EXPECT_EQ(p->resolve_voice("rachel"), kRachel);
  EXPECT_EQ(p->resolve_voice("Rachel"), kRachel);
  EXPECT_EQ(p->resolve_voice("bill"), "pqHfZKP75CvOlQylNhV4");
  EXPECT_EQ(p->resolve_voice(kRachel), kRachel);
  EXPECT_EQ(p->resolve_voice("default"), kRachel);
  EXPECT_EQ(p->resolve_voice("narrator"), "AbCdEfGhIjKlMnOpQrSt");
  EXPECT_EQ(p->resolve_voice("ZyXwVuTsRqPoNmLkJiHg"), "ZyXwVuTsRqPoNmLkJiHg");  // any raw id
  EXPECT_EQ(p->resolve_voice("nobody"), std::nullopt);
  EXPECT_EQ(p->resolve_voice("not an id with spaces"), std::nullopt);
  EXPECT_EQ(p->voices().size(), 23u);
  EXPECT_EQ(p->voices()[0].gender, "female");
}

TEST_F(ElevenLabsProviderTest, LiveVoicesAddTheAccountsVoicesAndAreCached) {
  auto p = provider();
  EXPECT_EQ(p->resolve_voice("mock narrator"), std::nullopt);  // not fetched yet
  const VoiceList before = p->voices();
  auto voices = p->live_voices();
  EXPECT_EQ(before.size(), 22u);  // a list handed out stays as it was: the fetch made a new one
  EXPECT_EQ(voices.size(), 23u);  // 22 of the table + the account's cloned voice
  const auto& cloned = voices.back();
  EXPECT_EQ(cloned.name, "Mock Narrator");
  EXPECT_EQ(cloned.voice_id, "MockNarratorVoice001");
  EXPECT_EQ(cloned.gender, "female");
  EXPECT_EQ(p->resolve_voice("mock narrator"), "MockNarratorVoice001");
  EXPECT_EQ(p->voices().size(), 23u);

  const json log = mocks_->requests("elevenlabs");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["method"], "GET");
  EXPECT_EQ(log[0]["path"], "/v1/voices");
  EXPECT_EQ(log[0]["headers"]["xi-api-key"], mocks_->key("elevenlabs"));
  p->live_voices();
  EXPECT_EQ(mocks_->request_count("elevenlabs"), 1);  // cached
}

// With no table (voice_table "none": any voice is passed through as an id), the account's
// voices were all dropped from the live list (each "resolved") and a voice named by its name
// went to the vendor as an id (404, the job failed).
TEST_F(ElevenLabsProviderTest, ATableThatTakesAnyVoiceStillListsAndNamesTheAccountsVoices) {
  auto p = provider({}, "[providers.elevenlabs]\nvoice_table = \"none\"\n");
  const VoiceList live = p->live_voices();
  ASSERT_FALSE(live.empty());
  EXPECT_TRUE(std::any_of(live.begin(), live.end(),
                          [](const VoiceInfo& v) { return v.name == "Mock Narrator"; }));
  EXPECT_EQ(p->resolve_voice("mock narrator"), "MockNarratorVoice001");
  EXPECT_EQ(p->resolve_voice("SomeVoiceIdOfTwenty1"), "SomeVoiceIdOfTwenty1");  // passed through
}

TEST_F(ElevenLabsProviderTest, LiveVoicesFallBackToTheTableOnError) {
  auto p = provider();
  mocks_->fail_next("elevenlabs", {{"kind", "server_error"}, {"status", 503}});
  auto voices = p->live_voices();
  EXPECT_EQ(voices.size(), 22u);
  EXPECT_EQ(voices[0].name, "rachel");
  // A failure is remembered for a while: every page listing voices during an outage would
  // otherwise wait for a call of its own.
  EXPECT_EQ(p->live_voices().size(), 22u);
  EXPECT_EQ(mocks_->request_count("elevenlabs"), 1);
}

TEST_F(ElevenLabsProviderTest, OneVoiceListFetchAtATimeOthersTakeTheListAsItIs) {
  auto p = provider();
  mocks_->fail_next("elevenlabs", {{"kind", "hold"}});
  auto first = std::async(std::launch::async, [&] { return p->live_voices(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (mocks_->request_count("elevenlabs") < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(mocks_->request_count("elevenlabs"), 1);
  EXPECT_EQ(p->live_voices().size(), 22u);  // at once, while the vendor holds the first
  EXPECT_EQ(mocks_->request_count("elevenlabs"), 1);
  mocks_->release("elevenlabs");
  EXPECT_EQ(first.get().size(), 23u);
  EXPECT_EQ(p->live_voices().size(), 23u);
  EXPECT_EQ(mocks_->request_count("elevenlabs"), 1);
}

// Labels that are not strings (null, a number) used to throw out of the voice list (a 500 from
// GET /tts/voices/elevenlabs, an uncaught exception in `polyvox voices`).
TEST_F(ElevenLabsProviderTest, LiveVoicesReadOnlyStringLabels) {
  auto p = provider();
  mocks_->fail_next(
      "elevenlabs",
      {{"kind", "json_body"},
       {"body",
        {{"voices", json::array({{{"voice_id", "OddLabelsVoice000001"},
                                  {"name", "Odd"},
                                  {"labels", {{"gender", nullptr}, {"language", 3}}}},
                                 {{"voice_id", "MaleVoice00000000001"},
                                  {"name", "Plain"},
                                  {"labels", {{"gender", "Male"}, {"language", "ar"}}}}})}}}});
  auto voices = p->live_voices();
  ASSERT_EQ(voices.size(), 24u);  // the table's 22 and both
  EXPECT_EQ(voices[22].name, "Odd");
  EXPECT_EQ(voices[22].gender, "");
  EXPECT_EQ(voices[22].language, "");
  EXPECT_EQ(voices[23].gender, "male");
  EXPECT_EQ(voices[23].language, "ar");
}

TEST_F(ElevenLabsProviderTest, BadKeyIsFinalWithTheVendorsMessageAndNoKey) {
  auto p = provider({{"ELEVENLABS_API_KEY", "wrong-key-1234567890"}});
  auto audio = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(audio.error().message.find("HTTP 401 invalid_api_key: Invalid API key"),
            std::string::npos)
      << audio.error().message;
  EXPECT_EQ(audio.error().message.find("wrong-key-1234567890"), std::string::npos);
}

TEST_F(ElevenLabsProviderTest, QuotaExceededIsFinal) {
  mocks_->fail_next("elevenlabs", {{"kind", "quota"}});
  auto audio = provider()->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(audio.error().message.find("quota_exceeded"), std::string::npos);
  expect_no_key(audio.error());
}

TEST_F(ElevenLabsProviderTest, UnknownVoiceAndValidationErrorsAreFinal) {
  auto p = provider();
  auto unknown = p->synthesize({"Hello.", "ZyXwVuTsRqPoNmLkJiHg"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(unknown.error().message.find("HTTP 404 voice_not_found"), std::string::npos);

  auto invalid = p->synthesize({"", kRachel});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(invalid.error().message.find("HTTP 422 validation_error: body.text: field required"),
            std::string::npos)
      << invalid.error().message;
}

TEST_F(ElevenLabsProviderTest, RateLimitIsRetryableWithRetryAfter) {
  auto p = provider();
  mocks_->fail_next("elevenlabs", {{"kind", "rate_limit"}, {"retry_after", 7}});
  auto audio = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(audio.error().retry_after_s, 7);
  EXPECT_NE(audio.error().message.find("too_many_concurrent_requests"), std::string::npos);

  mocks_->fail_next("elevenlabs",
                    {{"kind", "rate_limit"}, {"retry_after", nullptr}, {"retry_after_ms", 2500}});
  audio = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().retry_after_s, 3);

  mocks_->fail_next("elevenlabs", {{"kind", "rate_limit"}, {"retry_after", nullptr}});
  audio = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(audio.error().retry_after_s, 0);
}

TEST_F(ElevenLabsProviderTest, ServerErrorsAreTransient) {
  auto p = provider();
  for (int status : {500, 502, 503}) {
    mocks_->fail_next("elevenlabs", {{"kind", "server_error"}, {"status", status}});
    auto audio = p->synthesize({"Hello.", kRachel});
    ASSERT_FALSE(audio.ok());
    EXPECT_EQ(audio.error().kind, ErrorKind::kUnavailable) << status;
    EXPECT_NE(audio.error().message.find("HTTP " + std::to_string(status)), std::string::npos);
  }
  ASSERT_TRUE(p->synthesize({"Hello.", kRachel}).ok());  // the next answer is fine again
}

TEST_F(ElevenLabsProviderTest, TimeoutIsTransient) {
  auto p = provider({}, "[providers.elevenlabs]\ntimeout_ms = 300\n");
  mocks_->fail_next("elevenlabs", {{"kind", "hang"}, {"seconds", 5}});
  auto audio = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(audio.error().message.rfind("elevenlabs: POST ", 0), 0u) << audio.error().message;
  EXPECT_NE(audio.error().message.find("timed out"), std::string::npos);
}

TEST_F(ElevenLabsProviderTest, NonAudioAnswersAreTransient) {
  auto p = provider();
  mocks_->fail_next("elevenlabs", {{"kind", "json_error_200"}, {"message", "busy, try later"}});
  auto json_error = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(json_error.ok());
  EXPECT_EQ(json_error.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(json_error.error().message.find("busy, try later"), std::string::npos);

  mocks_->fail_next("elevenlabs", {{"kind", "empty"}});
  auto empty = p->synthesize({"Hello.", kRachel});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::kUnavailable);
}

TEST_F(ElevenLabsProviderTest, CancellationEndsTheCall) {
  auto p = provider();
  mocks_->fail_next("elevenlabs", {{"kind", "hang"}, {"seconds", 20}});
  CancelToken cancel;
  cancel.cancel();
  SynthesisRequest request{"Hello.", kRachel};
  request.cancel = &cancel;
  auto audio = p->synthesize(request);
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(audio.error().message.find("cancelled"), std::string::npos);
}

}  // namespace
}  // namespace polyvox
