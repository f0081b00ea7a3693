#include "audio/segment.h"

#include <gtest/gtest.h>

#include <random>

#include "audio/mp3_frame.h"
#include "audio/wav.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

TEST(SegmentPlanTest, NonLastSegmentFillsWholeFramesAndKeepsThePause) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int64_t> speech_dist(0, 200000), pause_dist(0, 30000);
  for (int trial = 0; trial < 5000; ++trial) {
    const int64_t speech = speech_dist(rng);
    const int64_t quiet = std::min<int64_t>(speech, pause_dist(rng) % 2205);
    const int64_t pause = trial % 3 == 0 ? 0 : pause_dist(rng);
    Mp3SegmentPlan plan = plan_mp3_segment(speech, quiet, pause, false);
    SCOPED_TRACE(testing::Message() << speech << " " << quiet << " " << pause);
    EXPECT_EQ(plan.pause_samples, pause);
    EXPECT_GE(plan.speech_samples, speech);
    EXPECT_EQ((plan.speech_samples + pause) % kMp3FrameSamples, 0);
    EXPECT_EQ(plan.frames * kMp3FrameSamples, plan.speech_samples + pause);
    EXPECT_EQ(plan.input_samples, plan.speech_samples + pause - kSegmentGap);
    // Only silence is cut: the sound part of the speech is always fed whole.
    EXPECT_GE(plan.input_samples, speech - quiet);
    // The extension is bounded: alignment plus, for short pauses, one frame.
    EXPECT_LT(plan.speech_samples - speech, 2 * kMp3FrameSamples);
  }
}

TEST(SegmentPlanTest, LastSegmentIsEncodedWhole) {
  Mp3SegmentPlan plan = plan_mp3_segment(12345, 100, 678, true);
  EXPECT_EQ(plan.speech_samples, 12345);
  EXPECT_EQ(plan.pause_samples, 678);
  EXPECT_EQ(plan.input_samples, 12345 + 678);
  EXPECT_EQ(plan.frames, 0);
}

// The plan relies on LAME's frame count for a given input; check it for many lengths (the
// encoder itself also refuses to return a segment whose frame count differs).
TEST(SegmentTest, EncoderProducesThePlannedFrameCount) {
  SegmentOptions options;
  for (int64_t speech = 0; speech < 6000; speech += 37) {
    const auto samples = polyvox::test_support::tone(speech * 1000.0 / 44100, 44100);
    for (int64_t pause : {0, 100, 1152, 5000}) {
      auto seg = encode_segment(samples, 0, pause, false, options);
      ASSERT_TRUE(seg.ok()) << speech << " " << pause << ": " << seg.error().to_string();
      EXPECT_EQ((seg->speech_samples + seg->pause_samples) % kMp3FrameSamples, 0);
    }
  }
}

TEST(SegmentTest, SegmentIsAPlayableMp3WithGaplessInfo) {
  SegmentOptions options;
  auto seg = encode_segment(polyvox::test_support::tone(1000, 44100), 0, 4410, true, options);
  ASSERT_TRUE(seg.ok());
  const auto* data = reinterpret_cast<const uint8_t*>(seg->bytes.data());
  auto header = parse_mp3_frame_header({data, seg->bytes.size()});
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->bitrate_kbps, 128);
  EXPECT_EQ(header->channels, 1);
  auto tag = parse_xing_tag({data, header->frame_bytes}, *header);
  ASSERT_TRUE(tag.has_value());
  const int64_t decoded = int64_t{*tag->frames} * 1152 - tag->encoder_delay - tag->encoder_padding;
  EXPECT_EQ(decoded, 44100 + 4410);
}

TEST(SegmentTest, WavSegmentHoldsSpeechThenSilence) {
  SegmentOptions options;
  options.format = OutputFormat::kWav;
  auto speech = polyvox::test_support::tone(100, 44100);
  auto seg = encode_segment(speech, 0, 441, false, options);
  ASSERT_TRUE(seg.ok());
  auto layout = parse_wav({reinterpret_cast<const uint8_t*>(seg->bytes.data()), seg->bytes.size()});
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->sample_rate, 44100);
  EXPECT_EQ(layout->data_bytes, (speech.size() + 441) * 2);
  EXPECT_EQ(seg->speech_samples, static_cast<int64_t>(speech.size()));
  for (std::size_t i = layout->data_offset + speech.size() * 2; i < seg->bytes.size(); ++i) {
    ASSERT_EQ(seg->bytes[i], '\0');
  }
}

}  // namespace
}  // namespace polyvox::audio
