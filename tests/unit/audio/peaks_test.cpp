// Waveform peaks: one min/max pair per window of samples, the same whether the samples come in
// one piece or many, the last partial window included, values clamped to [-1, 1].
#include "audio/peaks.h"

#include <gtest/gtest.h>

#include <vector>

namespace polyvox::audio {
namespace {

TEST(PeakAccumulatorTest, OnePairPerWindowWithThePartialLastOne) {
  PeakAccumulator peaks(8, 2);  // windows of 4 samples
  const std::vector<float> samples = {0.1f, -0.5f, 0.25f, 0.0f, 0.9f, 0.2f, -0.1f, 0.3f, -0.7f};
  peaks.add(samples);
  EXPECT_EQ(peaks.samples(), 9);
  EXPECT_EQ(peaks.pairs(), (std::vector<float>{-0.5f, 0.25f, -0.1f, 0.9f, -0.7f, -0.7f}));
}

TEST(PeakAccumulatorTest, PiecesGiveWhatTheWholeGives) {
  std::vector<float> samples;
  for (int i = 0; i < 1000; ++i) samples.push_back(static_cast<float>((i * 37 % 201) - 100) / 100);
  PeakAccumulator whole(441, 10);
  whole.add(samples);
  PeakAccumulator pieces(441, 10);
  for (std::size_t start = 0; start < samples.size(); start += 77) {
    const std::size_t n = std::min<std::size_t>(77, samples.size() - start);
    pieces.add(std::span<const float>(samples).subspan(start, n));
  }
  EXPECT_EQ(whole.pairs(), pieces.pairs());
  EXPECT_EQ(whole.pairs().size(), 2u * 23);  // ceil(1000 / 44) windows
}

TEST(PeakAccumulatorTest, ValuesAreClampedAndNothingGivesNothing) {
  PeakAccumulator empty(44100, 50);
  EXPECT_TRUE(empty.pairs().empty());
  PeakAccumulator loud(2, 2);  // one sample per window
  loud.add(std::vector<float>{3.0f, -2.0f});
  EXPECT_EQ(loud.pairs(), (std::vector<float>{1.0f, 1.0f, -1.0f, -1.0f}));
}

// Up to kMaxPeakPairs windows a file is summarized at kPeaksPerSecond; past it, at the most peaks
// per second (at least one) whose windows fit.
TEST(PeaksPerSecondTest, LongFilesTakeFewerPeaksAndNeverMoreThanTheCap) {
  constexpr int kRate = 44100;
  const int64_t hour = int64_t{3600} * kRate;
  EXPECT_EQ(peaks_per_second_for(0, kRate), kPeaksPerSecond);
  EXPECT_EQ(peaks_per_second_for(0, 11025), 49);  // 50 does not divide 11025
  EXPECT_EQ(peaks_per_second_for(5 * hour, kRate), kPeaksPerSecond);
  EXPECT_LT(peaks_per_second_for(6 * hour, kRate), kPeaksPerSecond);
  for (const int rate : {8000, 11025, 22050, 24000, 44100, 48000, 192000}) {
    for (const int64_t hours : {1, 3, 6, 10, 24, 80, 200}) {
      const int64_t samples = hours * 3600 * rate;
      const int per_second = peaks_per_second_for(samples, rate);
      ASSERT_GE(per_second, 1);
      ASSERT_LE(per_second, kPeaksPerSecond);
      EXPECT_EQ(rate % per_second, 0) << rate << " Hz, " << hours << " h";
      const int64_t window = rate / per_second;
      const int64_t pairs = (samples + window - 1) / window;
      EXPECT_LE(pairs, kMaxPeakPairs) << rate << " Hz, " << hours << " h";
      for (int finer = per_second + 1; finer <= kPeaksPerSecond; ++finer) {  // none finer fits
        if (rate % finer != 0) continue;
        const int64_t window = rate / finer;
        EXPECT_GT((samples + window - 1) / window, kMaxPeakPairs) << rate << " Hz, " << hours;
      }
    }
  }
  // A file longer than the cap's windows of one second each: one per second, over the cap.
  EXPECT_EQ(peaks_per_second_for(10, 2, 3), 1);
  EXPECT_EQ(peaks_per_second_for(1'000'000, 8000, 100), 1);
}

}  // namespace
}  // namespace polyvox::audio
