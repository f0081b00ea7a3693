#include "audio/time_stretch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

constexpr int kRate = 48000;
constexpr double kHz = 300.0;

// 500 ms of silence, 1000 ms of a 300 Hz tone, 500 ms of silence.
PcmBuffer tone_between_silences() {
  using test_support::concat;
  using test_support::silence;
  return PcmBuffer{kRate, concat(concat(silence(500, kRate), test_support::tone(1000, kRate, kHz)),
                                 silence(500, kRate))};
}

// Where the tone is audible: first and last sample above a threshold, in ms.
std::pair<double, double> audible_ms(const PcmBuffer& pcm) {
  std::size_t first = pcm.samples.size(), last = 0;
  for (std::size_t i = 0; i < pcm.samples.size(); ++i) {
    if (std::fabs(pcm.samples[i]) > 0.05f) {
      first = std::min(first, i);
      last = i;
    }
  }
  return {samples_to_ms(static_cast<int64_t>(first), kRate),
          samples_to_ms(static_cast<int64_t>(last), kRate)};
}

// The pitch in the middle of the audible part: the autocorrelation's best period between 200
// and 450 Hz (an octave off lands on a bound, which the test's tolerance does not accept).
double pitch_hz(const PcmBuffer& pcm) {
  const auto [first, last] = audible_ms(pcm);
  const auto middle = static_cast<std::size_t>(ms_to_samples((first + last) / 2, kRate));
  int best_lag = 0;
  double best = -1;
  for (int lag = kRate / 450; lag <= kRate / 200; ++lag) {
    double sum = 0;
    for (std::size_t k = 0; k < 4800; ++k)
      sum += pcm.samples[middle + k] * pcm.samples[middle + k + lag];
    if (sum > best) best = sum, best_lag = lag;
  }
  return static_cast<double>(kRate) / best_lag;
}

class TimeStretchTest : public ::testing::TestWithParam<StretchFilter> {};

// Each filter at the tempos the block pipeline asks for: the length divided by the tempo
// exactly; the tone where it belongs within 40 ms of the input's time (the filters smear its
// edges, most at slow tempos), at least 40 ms; its pitch within 2%.
TEST_P(TimeStretchTest, ChangesDurationByTheTempoAndKeepsThePitch) {
  const PcmBuffer input = tone_between_silences();
  for (double tempo : {2.0, 0.5, 1.2 / 0.7, 0.25, 4.0}) {
    auto stretched = time_stretch(input, tempo, GetParam());
    ASSERT_TRUE(stretched.ok()) << stretched.error().message;
    EXPECT_EQ(stretched->sample_rate, kRate);
    EXPECT_EQ(stretched->samples.size(),
              static_cast<std::size_t>(std::llround(input.samples.size() / tempo)));
    const auto [first, last] = audible_ms(*stretched);
    const double tolerance = std::max(40.0, 40.0 / tempo);
    EXPECT_NEAR(first, 500 / tempo, tolerance) << "tempo " << tempo;
    EXPECT_NEAR(last, 1500 / tempo, tolerance) << "tempo " << tempo;
    EXPECT_NEAR(pitch_hz(*stretched), kHz, 0.02 * kHz) << "tempo " << tempo;
  }
}

INSTANTIATE_TEST_SUITE_P(Filters, TimeStretchTest,
                         ::testing::Values(StretchFilter::kRubberband, StretchFilter::kAtempo),
                         [](const auto& info) {
                           return info.param == StretchFilter::kRubberband ? "Rubberband"
                                                                           : "Atempo";
                         });

TEST(TimeStretchBestTest, PrefersRubberbandWhichDebiansFfmpegHas) {
  auto best = best_stretch_filter();
  ASSERT_TRUE(best.ok()) << best.error().message;
  EXPECT_EQ(*best, "rubberband");
}

TEST(TimeStretchBestTest, TempoOneAndEmptyInputAreLeftAlone) {
  const PcmBuffer pcm = tone_between_silences();
  auto same = time_stretch(pcm, 1.0);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->samples, pcm.samples);
  auto empty = time_stretch(PcmBuffer{kRate, {}}, 2.0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->samples.empty());
}

}  // namespace
}  // namespace polyvox::audio
