#include "audio/loudness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::tone;

PcmBuffer buffer(std::vector<float> samples, int rate) {
  return PcmBuffer{rate, std::move(samples)};
}

TEST(LoudnessTest, BringsQuietToneToTarget) {
  PcmBuffer pcm = buffer(tone(3000, 44100, 1000.0, 0.02), 44100);
  auto report = normalize_loudness(pcm);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_LT(report->input_lufs, -30.0);
  EXPECT_NEAR(report->output.integrated_lufs, -16.0, 0.5);
  EXPECT_LE(report->output.true_peak_dbtp, -1.0);
  EXPECT_GT(report->gain_db, 10.0);
  // The reported figures are those of the samples.
  auto again = measure_loudness(pcm.samples, pcm.sample_rate);
  ASSERT_TRUE(again.ok());
  EXPECT_NEAR(again->integrated_lufs, report->output.integrated_lufs, 0.01);
  EXPECT_NEAR(again->true_peak_dbtp, report->output.true_peak_dbtp, 0.01);
}

TEST(LoudnessTest, LimitsPeaksOfSpikySignalAndStillMeetsTarget) {
  // Quiet noise with loud clicks: reaching -16 LUFS by gain alone would clip the clicks.
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  std::vector<float> samples(22050 * 3);
  for (auto& s : samples) s = noise(rng);
  for (std::size_t i = 1000; i < samples.size(); i += 4000) samples[i] = 0.9f;
  PcmBuffer pcm = buffer(std::move(samples), 22050);
  auto report = normalize_loudness(pcm);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->limited);
  EXPECT_NEAR(report->output.integrated_lufs, -16.0, 1.0);
  EXPECT_LE(report->output.true_peak_dbtp, -1.0);
}

// A block of a profile is levelled as if the silence around it in the file were there
// (block_renderer): the samples are exactly the middle of what the padded whole becomes, with
// limiting, and at either end's padding (none before the first block).
TEST(LoudnessTest, PaddedNormalizationIsTheMiddleOfThePaddedWhole) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  std::vector<float> samples(22050 * 2 + 123);
  for (auto& s : samples) s = noise(rng);
  for (std::size_t i = 700; i < samples.size(); i += 3000) samples[i] = 0.9f;
  for (const std::size_t before : {std::size_t{0}, std::size_t{8820}}) {
    const std::size_t after = 11025 + before;
    std::vector<float> padded(before, 0.0f);
    padded.insert(padded.end(), samples.begin(), samples.end());
    padded.resize(padded.size() + after, 0.0f);
    PcmBuffer whole = buffer(padded, 22050);
    auto expected = normalize_loudness(whole);
    ASSERT_TRUE(expected.ok());
    ASSERT_TRUE(expected->limited);  // the clicks are limited: the limiter's lag is exercised
    PcmBuffer pcm = buffer(samples, 22050);
    auto report = normalize_loudness_padded(pcm, before, after);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->gain_db, expected->gain_db);
    EXPECT_EQ(report->output.integrated_lufs, expected->output.integrated_lufs);
    ASSERT_EQ(pcm.samples.size(), samples.size());
    EXPECT_TRUE(std::equal(pcm.samples.begin(), pcm.samples.end(),
                           whole.samples.begin() + static_cast<std::ptrdiff_t>(before)));
  }
}

TEST(LoudnessTest, LowersLoudSignal) {
  PcmBuffer pcm = buffer(tone(2000, 24000, 300.0, 0.99), 24000);
  auto report = normalize_loudness(pcm);
  ASSERT_TRUE(report.ok());
  EXPECT_LT(report->gain_db, 0.0);
  EXPECT_NEAR(report->output.integrated_lufs, -16.0, 0.5);
  EXPECT_LE(report->output.true_peak_dbtp, -1.0);
}

TEST(LoudnessTest, MeasuresShortClips) {
  auto m = measure_loudness(tone(150, 16000, 500.0, 0.3), 16000);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(std::isfinite(m->integrated_lufs));
  EXPECT_NEAR(m->integrated_lufs, -14.1, 1.5);  // a -10.5 dBFS RMS sine
}

TEST(LoudnessTest, LeavesSilenceUnchanged) {
  PcmBuffer pcm = buffer(std::vector<float>(16000, 0.0f), 16000);
  auto report = normalize_loudness(pcm);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(std::isinf(report->output.integrated_lufs));
  EXPECT_EQ(report->gain_db, 0.0);
  for (float s : pcm.samples) ASSERT_EQ(s, 0.0f);
}

}  // namespace
}  // namespace polyvox::audio
