#include "api/speech_job.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/letters.h"

namespace polyvox {
namespace {

class Directory : public ProviderDirectory {
 public:
  std::vector<std::string> usable_providers() const override { return {"espeak", "flite"}; }
  std::string unusable_reason(std::string_view provider) const override {
    return provider == "espeak" || provider == "flite" ? "" : "unknown provider";
  }
  bool has_voice(std::string_view provider, std::string_view voice) const override {
    return provider == "espeak" ? voice != "xx" : voice == "slt";
  }
  std::vector<std::string> example_voices(std::string_view) const override { return {"slt"}; }
};

SpeechRequest request(std::string input) {
  SpeechRequest r;
  r.model = "tts-1-hd";
  r.voice = "alloy";
  r.input = std::move(input);
  return r;
}

const SpeechVoices kVoices{{"flite", "slt"}, {"espeak", "ar+f3"}};

TEST(SpeechJobTest, OneBlockPerSentenceEachInTheVoiceOfItsScript) {
  const Directory providers;
  auto job = plan_speech_job(
      request("Hello there. \u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645. Bye!"), kVoices,
      providers, OutputFormat::kWav, JobLimits{});
  ASSERT_TRUE(job.ok()) << job.error().message;
  ASSERT_EQ(job->blocks.size(), 3u);
  EXPECT_EQ(job->output_format, OutputFormat::kWav);
  EXPECT_EQ(job->blocks[0].text, "Hello there.");
  EXPECT_EQ(job->blocks[0].provider, "flite");
  EXPECT_FALSE(job->blocks[0].arabic);
  EXPECT_EQ(job->blocks[1].provider, "espeak");
  EXPECT_EQ(job->blocks[1].voice, "ar+f3");
  EXPECT_TRUE(job->blocks[1].arabic);  // diacritized before synthesis
  EXPECT_EQ(job->blocks[2].text, "Bye!");
  EXPECT_EQ(job->project_id, "v1/audio/speech");
}

TEST(SpeechJobTest, PcmIsOpenAis24kHzAndOtherFormatsKeepTheDefaultRate) {
  const Directory providers;
  auto pcm = plan_speech_job(request("Raw."), kVoices, providers, OutputFormat::kPcm, JobLimits{});
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->sample_rate, 24000);
  auto flac =
      plan_speech_job(request("Lossless."), kVoices, providers, OutputFormat::kFlac, JobLimits{});
  ASSERT_TRUE(flac.ok());
  EXPECT_EQ(flac->sample_rate, 0);  // the configured default
}

TEST(SpeechJobTest, JoinsSentencesBeyondTheBlockLimit) {
  const Directory providers;
  std::string input;
  for (int i = 0; i < 25; ++i) input += "Word " + std::to_string(i) + ". ";
  JobLimits limits;
  limits.max_blocks = 10;
  auto job = plan_speech_job(request(input), kVoices, providers, OutputFormat::kMp3, limits);
  ASSERT_TRUE(job.ok());
  EXPECT_LE(job->blocks.size(), 10u);
  std::string all;
  for (const auto& b : job->blocks) all += b.text + " ";
  EXPECT_NE(all.find("Word 0."), std::string::npos);
  EXPECT_NE(all.find("Word 24."), std::string::npos);
}

TEST(SpeechJobTest, CutsASentenceLongerThanABlockMayBe) {
  const Directory providers;
  JobLimits limits;
  limits.max_text_chars = 20;
  auto job = plan_speech_job(request("one two three four five six seven eight nine ten."), kVoices,
                             providers, OutputFormat::kMp3, limits);
  ASSERT_TRUE(job.ok());
  EXPECT_GT(job->blocks.size(), 1u);
  for (const auto& b : job->blocks) EXPECT_LE(b.text.size(), 20u);
}

TEST(SpeechJobTest, AVoiceThatCannotSpeakIsNotFoundOnlyWhenTheInputNeedsIt) {
  const Directory providers;
  const SpeechVoices bad_arabic{{"flite", "slt"}, {"espeak", "xx"}};
  EXPECT_TRUE(plan_speech_job(request("Only English."), bad_arabic, providers, OutputFormat::kMp3,
                              JobLimits{})
                  .ok());
  auto job = plan_speech_job(request("\u0646\u0639\u0645."), bad_arabic, providers,
                             OutputFormat::kMp3, JobLimits{});
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(job.error().field, "voice");
}

// A sentence of only punctuation was a block of its own, which a provider answers with silence
// ("returned silent audio" failed the request).
TEST(SpeechJobTest, ASentenceWithNothingToSpeakJoinsItsNeighbour) {
  const Directory providers;
  auto job = plan_speech_job(request("... Hello there. !!! Bye!"), kVoices, providers,
                             OutputFormat::kWav, JobLimits{});
  ASSERT_TRUE(job.ok()) << job.error().message;
  std::vector<std::string> texts;
  for (const auto& block : job->blocks) texts.push_back(block.text);
  for (const auto& text : texts) EXPECT_TRUE(has_letter_or_digit(text)) << text;
  std::string joined;
  for (const auto& text : texts) joined += (joined.empty() ? "" : " ") + text;
  std::size_t at = 0;  // nothing lost, nothing reordered
  for (const char* piece : {"...", "Hello there.", "!!!", "Bye!"}) {
    at = joined.find(piece, at);
    ASSERT_NE(at, std::string::npos) << piece << " in " << joined;
  }
}

}  // namespace
}  // namespace polyvox
