#include "core/output_format.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(OutputFormat, EveryNameRoundTrips) {
  for (auto f : {OutputFormat::kMp3, OutputFormat::kWav, OutputFormat::kFlac, OutputFormat::kOpus,
                 OutputFormat::kAac, OutputFormat::kM4a, OutputFormat::kPcm}) {
    EXPECT_EQ(parse_output_format(output_format_name(f)), f);
  }
  EXPECT_EQ(parse_output_format("ogg"), std::nullopt);
  EXPECT_EQ(parse_output_format("MP3"), std::nullopt);
  EXPECT_STREQ(output_format_mime(OutputFormat::kOpus), "audio/ogg");
  EXPECT_STREQ(output_format_mime(OutputFormat::kM4a), "audio/mp4");
}

TEST(OutputFormat, OpusTakesOnly48kHz) {
  EXPECT_TRUE(check_output_settings(OutputFormat::kOpus, 48000, 0));
  const Status s = check_output_settings(OutputFormat::kOpus, 24000, 0);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "sample_rate");
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
}

TEST(OutputFormat, CompressedRatesAreTheTablesOnes) {
  for (auto f : {OutputFormat::kMp3, OutputFormat::kAac, OutputFormat::kM4a}) {
    for (int rate : {22050, 24000, 32000, 44100, 48000}) {
      EXPECT_TRUE(check_output_settings(f, rate, 0)) << output_format_name(f) << " " << rate;
    }
    for (int rate : {8000, 16000, 44000, 96000}) {
      EXPECT_FALSE(check_output_settings(f, rate, 0)) << output_format_name(f) << " " << rate;
    }
  }
}

TEST(OutputFormat, LosslessRatesAreAnyWithinBounds) {
  for (auto f : {OutputFormat::kWav, OutputFormat::kFlac, OutputFormat::kPcm}) {
    EXPECT_TRUE(check_output_settings(f, kMinLosslessRate, 0));
    EXPECT_TRUE(check_output_settings(f, 11025, 0));
    EXPECT_TRUE(check_output_settings(f, kMaxLosslessRate, 0));
    EXPECT_FALSE(check_output_settings(f, kMinLosslessRate - 1, 0));
    EXPECT_FALSE(check_output_settings(f, kMaxLosslessRate + 1, 0));
  }
}

TEST(OutputFormat, BitrateOnlyForLossyFormatsAndWithinTheirBounds) {
  for (auto f : {OutputFormat::kWav, OutputFormat::kFlac, OutputFormat::kPcm}) {
    const Status s = check_output_settings(f, 0, 128);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().field, "bitrate_kbps");
  }
  EXPECT_TRUE(check_output_settings(OutputFormat::kMp3, 44100, 320));
  EXPECT_FALSE(check_output_settings(OutputFormat::kMp3, 24000, 320));  // MPEG-2: 160 at most
  EXPECT_TRUE(check_output_settings(OutputFormat::kMp3, 24000, 144));
  EXPECT_FALSE(check_output_settings(OutputFormat::kMp3, 0, 100));  // not a Layer III bitrate
  EXPECT_TRUE(check_output_settings(OutputFormat::kOpus, 0, 6));
  EXPECT_FALSE(check_output_settings(OutputFormat::kOpus, 0, 257));
  EXPECT_TRUE(check_output_settings(OutputFormat::kM4a, 0, 256));
  EXPECT_FALSE(check_output_settings(OutputFormat::kAac, 0, 15));
  const Status named = check_output_settings(OutputFormat::kAac, 0, 15, "x", "--bitrate-kbps");
  EXPECT_EQ(named.error().field, "--bitrate-kbps");
}

TEST(OutputFormat, DefaultsFollowTheFormat) {
  EXPECT_EQ(resolve_output(OutputFormat::kOpus, 0, 0, 44100, 128).sample_rate, 48000);
  EXPECT_EQ(resolve_output(OutputFormat::kOpus, 0, 0, 44100, 128).bitrate_kbps,
            kDefaultOpusBitrateKbps);
  EXPECT_EQ(resolve_output(OutputFormat::kFlac, 0, 0, 32000, 128).sample_rate, 32000);
  EXPECT_EQ(resolve_output(OutputFormat::kFlac, 0, 0, 32000, 128).bitrate_kbps, 0);
  EXPECT_EQ(resolve_output(OutputFormat::kMp3, 0, 0, 44100, 192).bitrate_kbps, 192);
  EXPECT_EQ(resolve_output(OutputFormat::kMp3, 22050, 0, 44100, 192).bitrate_kbps, 160);
  EXPECT_EQ(resolve_output(OutputFormat::kM4a, 24000, 64, 44100, 128).bitrate_kbps, 64);
  EXPECT_EQ(resolve_output(OutputFormat::kAac, 0, 0, 44100, 128).bitrate_kbps,
            kDefaultAacBitrateKbps);
}

TEST(OutputFormat, AFileNameExtensionNamesItsFormat) {
  EXPECT_EQ(output_format_for_path("out.wav"), OutputFormat::kWav);
  EXPECT_EQ(output_format_for_path("dir.v2/Book.MP3"), OutputFormat::kMp3);
  EXPECT_EQ(output_format_for_path("a.flac"), OutputFormat::kFlac);
  EXPECT_EQ(output_format_for_path("a.opus"), OutputFormat::kOpus);
  EXPECT_EQ(output_format_for_path("a.ogg"), OutputFormat::kOpus);
  EXPECT_EQ(output_format_for_path("a.aac"), OutputFormat::kAac);
  EXPECT_EQ(output_format_for_path("a.m4a"), OutputFormat::kM4a);
  EXPECT_EQ(output_format_for_path("a.pcm"), OutputFormat::kPcm);
  EXPECT_EQ(output_format_for_path("a.raw"), OutputFormat::kPcm);
  // No extension, a dot file, a directory's dot, or an extension that is no audio format.
  EXPECT_EQ(output_format_for_path("out"), std::nullopt);
  EXPECT_EQ(output_format_for_path(".wav"), std::nullopt);
  EXPECT_EQ(output_format_for_path("dir.wav/out"), std::nullopt);
  EXPECT_EQ(output_format_for_path("out.txt"), std::nullopt);
  EXPECT_EQ(output_format_for_path("-"), std::nullopt);
}

}  // namespace
}  // namespace polyvox
