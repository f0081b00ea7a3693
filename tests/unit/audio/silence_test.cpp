#include "audio/silence.h"

#include <gtest/gtest.h>

#include "audio/pcm.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::concat;
using polyvox::test_support::silence;
using polyvox::test_support::tone;

constexpr int kRate = 22050;

TEST(SilenceTest, TrimsLeadingAndTrailingSilenceKeepingMargins) {
  auto signal = concat(concat(silence(400, kRate), tone(1000, kRate)), silence(700, kRate));
  SpeechBounds b = find_speech(signal, kRate);
  ASSERT_FALSE(b.silent);
  const double kept_before_ms = (ms_to_samples(400, kRate) - double(b.begin)) * 1000.0 / kRate;
  const double kept_after_ms = (double(b.end) - ms_to_samples(1400, kRate)) * 1000.0 / kRate;
  EXPECT_NEAR(kept_before_ms, 50.0, 1.0);
  EXPECT_NEAR(kept_after_ms, 50.0, 1.0);
  EXPECT_EQ(b.quiet_tail, static_cast<std::size_t>(b.end - ms_to_samples(1400, kRate)));
}

TEST(SilenceTest, KeepsEverythingWhenThereIsNoSilence) {
  auto signal = tone(500, kRate);
  SpeechBounds b = find_speech(signal, kRate);
  EXPECT_EQ(b.begin, 0u);
  EXPECT_EQ(b.end, signal.size());
}

TEST(SilenceTest, ReportsDigitalSilence) {
  auto signal = silence(500, kRate);
  EXPECT_TRUE(find_speech(signal, kRate).silent);
  EXPECT_TRUE(find_speech(std::vector<float>{}, kRate).silent);
}

TEST(SilenceTest, TreatsLowNoiseAsSilenceRelativeToPeak) {
  // Hiss 50 dB under the speech peak is not speech.
  auto hiss = tone(300, kRate, 3000.0, 0.5 * std::pow(10.0, -50.0 / 20.0));
  auto signal = concat(concat(hiss, tone(500, kRate)), hiss);
  SpeechBounds b = find_speech(signal, kRate);
  EXPECT_NEAR(double(b.begin), double(hiss.size() - ms_to_samples(50, kRate)), 2.0);
}

TEST(SilenceTest, PeakOfSilenceIsMinusInfinity) {
  EXPECT_TRUE(std::isinf(peak_dbfs(silence(10, kRate))));
  EXPECT_NEAR(peak_dbfs(tone(100, kRate, 441.0, 0.5)), -6.02, 0.05);
}

}  // namespace
}  // namespace polyvox::audio
