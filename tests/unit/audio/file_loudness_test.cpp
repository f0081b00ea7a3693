// Measurements of a final file for delivery profiles, against signals whose levels are known.
#include "audio/file_loudness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

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

// The noise floor as measured on the whole file before the meter streamed: the running sum over
// every window, one pass over the samples held.
double quietest_window_db_of_whole(const std::vector<float>& x, std::size_t window) {
  auto db = [](double energy, std::size_t n) {
    return n > 0 && energy > 0 ? 10.0 * std::log10(energy / static_cast<double>(n))
                               : -std::numeric_limits<double>::infinity();
  };
  double energy = 0.0;
  for (std::size_t i = 0; i < std::min(window, x.size()); ++i) {
    energy += static_cast<double>(x[i]) * x[i];
  }
  if (x.size() <= window) return db(energy, x.size());
  double lowest = energy;
  for (std::size_t i = window; i < x.size(); ++i) {
    energy += static_cast<double>(x[i]) * x[i] - static_cast<double>(x[i - window]) * x[i - window];
    lowest = std::min(lowest, std::max(energy, 0.0));
  }
  return db(lowest < 1e-18 ? 0.0 : lowest, window);
}

// The meter gets a file in whatever chunks its decoder makes: the figures are those of the
// whole, bit for bit, for a long file and for one shorter than the loudness gate's second.
TEST(FileLoudnessTest, ChunksGiveTheFiguresOfTheWholeExactly) {
  const auto long_file = concat(concat(concat(silence(300, kRate), tone(1200, kRate, 440.0, 0.25)),
                                       tone(900, kRate, 150.0, 0.002)),
                                concat(tone(2500, kRate, 3000.0, 0.5), silence(1100, kRate)));
  const auto short_file = concat(silence(100, kRate), tone(250, kRate, 440.0, 0.3));
  for (const auto* file : {&long_file, &short_file}) {
    auto whole = measure_file_loudness(*file, kRate);
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(whole->noise_floor_db,
              quietest_window_db_of_whole(*file, kRate * kNoiseWindowMs / 1000));
    auto loudness = measure_loudness(*file, kRate, true);
    ASSERT_TRUE(loudness.ok());
    EXPECT_EQ(whole->integrated_lufs, loudness->integrated_lufs);
    EXPECT_EQ(whole->true_peak_dbtp, loudness->true_peak_dbtp);
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{997}, std::size_t{65536}}) {
      auto meter = FileLoudnessMeter::create(kRate);
      ASSERT_TRUE(meter.ok());
      for (std::size_t at = 0; at < file->size(); at += chunk) {
        const std::size_t n = std::min(chunk, file->size() - at);
        ASSERT_TRUE(meter->add(std::span<const float>(file->data() + at, n)).ok());
      }
      auto chunked = meter->finish();
      ASSERT_TRUE(chunked.ok());
      EXPECT_EQ(chunked->integrated_lufs, whole->integrated_lufs) << chunk;
      EXPECT_EQ(chunked->true_peak_dbtp, whole->true_peak_dbtp) << chunk;
      EXPECT_EQ(chunked->rms_db, whole->rms_db) << chunk;
      EXPECT_EQ(chunked->noise_floor_db, whole->noise_floor_db) << chunk;
      EXPECT_EQ(chunked->lead_ms, whole->lead_ms) << chunk;
      EXPECT_EQ(chunked->tail_ms, whole->tail_ms) << chunk;
    }
  }
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
