// Measurements of a final file for delivery profiles, against signals whose levels are known.
#include "audio/file_loudness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "audio/loudness.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::concat;
using polyvox::test_support::silence;
using polyvox::test_support::tone;

constexpr int kRate = 48000;

TEST(FileLoudnessTest, MeasuresRmsNoiseFloorAndTheSilenceAtBothEnds) {
  // 0.75 s of silence, 2 s of a sine at amplitude 0.2 (RMS 0.2/sqrt(2): -16.99 dBFS), 2 s of
  // silence: the RMS over the whole 4.75 s is 10*log10(2/4.75) dB lower.
  const auto file =
      concat(concat(silence(750, kRate), tone(2000, kRate, 1000.0, 0.2)), silence(2000, kRate));
  auto m = measure_file_loudness(file, kRate);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  const double sine_db = 20.0 * std::log10(0.2 / std::sqrt(2.0));
  EXPECT_NEAR(m->rms_db, sine_db + 10.0 * std::log10(2.0 / 4.75), 0.05);
  EXPECT_TRUE(std::isinf(m->noise_floor_db) || m->noise_floor_db < -120.0) << m->noise_floor_db;
  EXPECT_NEAR(m->lead_ms, 750, 2);
  EXPECT_NEAR(m->tail_ms, 2000, 2);
  EXPECT_NEAR(m->true_peak_dbtp, 20.0 * std::log10(0.2), 0.3);
  EXPECT_TRUE(std::isfinite(m->integrated_lufs));
}

TEST(FileLoudnessTest, TheNoiseFloorIsTheQuietestHalfSecond) {
  // A hiss at amplitude 0.001 (a sine: RMS -63 dBFS) between two louder parts.
  const auto file = concat(concat(tone(1000, kRate, 500.0, 0.3), tone(800, kRate, 200.0, 0.001)),
                           tone(1000, kRate, 500.0, 0.3));
  auto m = measure_file_loudness(file, kRate);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->noise_floor_db, 20.0 * std::log10(0.001 / std::sqrt(2.0)), 0.5);
  EXPECT_EQ(m->lead_ms, 0);
  EXPECT_EQ(m->tail_ms, 0);
}

TEST(NormalizeRmsTest, BringsAClipAndItsSilenceToTheTargetRmsUnderThePeakCeiling) {
  PcmBuffer pcm{kRate, tone(1500, kRate, 300.0, 0.05)};
  const int64_t silent = ms_to_samples(500, kRate);
  auto report = normalize_rms(pcm, RmsTarget{-20.0, silent, -4.0, 0.2});
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  const auto with_silence = concat(pcm.samples, std::vector<float>(silent, 0.0f));
  auto m = measure_file_loudness(with_silence, kRate);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->rms_db, -20.0, 0.25);
  EXPECT_LE(m->true_peak_dbtp, -4.0 + 0.05);
}

}  // namespace
}  // namespace polyvox::audio
