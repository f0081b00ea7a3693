#include "audio/decoder.h"

#include <gtest/gtest.h>

#include "audio/segment.h"
#include "audio/wav.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::TempDir;

TEST(DecoderTest, DecodesRawPcm) {
  EncodedAudio raw{std::string("\x00\x40\x00\xC0\xFF\x7F", 6), AudioEncoding::kPcmS16le, 24000};
  auto pcm = decode_audio(raw);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->sample_rate, 24000);
  ASSERT_EQ(pcm->samples.size(), 3u);
  EXPECT_FLOAT_EQ(pcm->samples[0], 0.5f);
  EXPECT_FLOAT_EQ(pcm->samples[1], -0.5f);
  EXPECT_NEAR(pcm->samples[2], 1.0f, 1e-4);
}

TEST(DecoderTest, RejectsRawPcmWithoutRateOrWithOddLength) {
  EXPECT_FALSE(decode_audio(EncodedAudio{"ab", AudioEncoding::kPcmS16le, 0}).ok());
  EXPECT_FALSE(decode_audio(EncodedAudio{"abc", AudioEncoding::kPcmS16le, 16000}).ok());
}

TEST(DecoderTest, DecodesWav) {
  auto wav = wav_file(polyvox::test_support::tone(250, 16000), 0, 16000);
  auto pcm = decode_audio(EncodedAudio{wav});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  EXPECT_EQ(pcm->sample_rate, 16000);
  EXPECT_EQ(pcm->samples.size(), 4000u);
}

TEST(DecoderTest, DecodesMp3HonouringGaplessInfo) {
  SegmentOptions options;
  auto seg = encode_segment(polyvox::test_support::tone(300, 44100), 0, 0, true, options);
  auto pcm = decode_audio(EncodedAudio{seg->bytes});
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->samples.size(), 13230u);
}

// Formats providers return (OpenAI: opus, aac, flac), produced by the real ffmpeg CLI.
class DecoderFormatTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(DecoderFormatTest, DecodesProviderFormat) {
  const auto& [extension, codec] = GetParam();
  TempDir dir;
  const auto path = dir / ("tone." + extension);
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=1.5 -ac 2 "
      "-ar 24000 -c:a " +
      codec + " '" + path.string() + "'";
  ASSERT_EQ(polyvox::test_support::run(cmd), 0) << cmd;
  auto pcm = decode_audio(EncodedAudio{polyvox::test_support::read_file(path)});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  // Raw ADTS AAC carries no gapless information: its encoder priming stays (~45 ms).
  EXPECT_NEAR(pcm->duration_ms(), 1500.0, extension == "aac" ? 100.0 : 40.0);
  float peak = 0.0f;
  for (float s : pcm->samples) peak = std::max(peak, std::fabs(s));
  EXPECT_GT(peak, 0.05f);  // the stereo input was mixed down, not lost
}

INSTANTIATE_TEST_SUITE_P(Formats, DecoderFormatTest,
                         ::testing::Values(std::make_pair("ogg", "libopus"),
                                           std::make_pair("flac", "flac"),
                                           std::make_pair("aac", "aac"),
                                           std::make_pair("mp3", "libmp3lame"),
                                           std::make_pair("wav", "pcm_s16le")),
                         [](const auto& info) { return info.param.first; });

TEST(DecoderTest, RejectsGarbageAndEmptyAnswers) {
  auto garbage = decode_audio(EncodedAudio{std::string(4096, 'x')});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(garbage.error().message.find("undecodable"), std::string::npos);
  EXPECT_FALSE(decode_audio(EncodedAudio{""}).ok());
  EXPECT_FALSE(decode_audio(EncodedAudio{R"({"error": {"message": "quota"}})"}).ok());
}

TEST(DecoderTest, ResamplesKeepingDuration) {
  PcmBuffer pcm{22050, polyvox::test_support::tone(1000, 22050)};
  auto out = resample(pcm, 44100);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->sample_rate, 44100);
  EXPECT_EQ(out->samples.size(), 44100u);
  auto same = resample(pcm, 22050);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->samples, pcm.samples);
}

}  // namespace
}  // namespace polyvox::audio
