// Delivery profiles: names, targets, and the check of a final file's measurements.
#include "core/delivery_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <limits>

#include "core/cover_ref.h"

namespace polyvox {
namespace {

TEST(DeliveryProfileTest, NamesRoundTrip) {
  for (auto p : {DeliveryProfile::kServer, DeliveryProfile::kPodcast, DeliveryProfile::kAudiobook,
                 DeliveryProfile::kBroadcast, DeliveryProfile::kNone}) {
    EXPECT_EQ(parse_delivery_profile(delivery_profile_name(p)), p);
  }
  EXPECT_FALSE(parse_delivery_profile("Podcast").has_value());
}

TEST(DeliveryProfileTest, AFileWithinItsTargetsPasses) {
  FileLoudness podcast{-16.3, -1.4, -19.0, -80.0, 0, 0};
  EXPECT_EQ(profile_violation(DeliveryProfile::kPodcast, podcast), "");
  FileLoudness broadcast{-22.6, -2.0, -26.0, -90.0, 0, 0};
  EXPECT_EQ(profile_violation(DeliveryProfile::kBroadcast, broadcast), "");
  const double silence = -std::numeric_limits<double>::infinity();
  FileLoudness audiobook{-18.0, -3.5, -20.6, silence, 751, 2003};
  EXPECT_EQ(profile_violation(DeliveryProfile::kAudiobook, audiobook), "");
  // Without a profile, or with none, nothing is checked.
  FileLoudness wild{-5.0, 2.0, -3.0, -10.0, 0, 0};
  EXPECT_EQ(profile_violation(DeliveryProfile::kServer, wild), "");
  EXPECT_EQ(profile_violation(DeliveryProfile::kNone, wild), "");
}

TEST(DeliveryProfileTest, AViolationNamesWhatIsOutsideAndEveryMeasurement) {
  FileLoudness loud{-14.2, -0.5, -17.0, -70.0, 0, 0};
  const std::string why = profile_violation(DeliveryProfile::kPodcast, loud);
  EXPECT_NE(why.find("integrated loudness -14.2 LUFS is outside -16.0 +-0.5 LU"), std::string::npos)
      << why;
  EXPECT_NE(why.find("true peak -0.5 dBTP is above -1.0 dBTP"), std::string::npos) << why;
  EXPECT_NE(why.find("measured: integrated -14.2 LUFS, true peak -0.5 dBTP, RMS -17.0 dB"),
            std::string::npos)
      << why;
  FileLoudness book{-18.0, -3.5, -22.0, -55.0, 100, 7000};
  const std::string acx = profile_violation(DeliveryProfile::kAudiobook, book);
  for (const char* part : {"RMS -22.0 dB is outside -20.0 +-1.0 dB", "noise floor -55.0 dB",
                           "room tone at the start 100 ms", "room tone at the end 7000 ms"}) {
    EXPECT_NE(acx.find(part), std::string::npos) << part << " in " << acx;
  }
}

TEST(CoverRefTest, SniffsPngAndJpegOnly) {
  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0};
  const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0};
  const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a'};
  EXPECT_EQ(sniff_cover(png), CoverType::kPng);
  EXPECT_EQ(sniff_cover(jpeg), CoverType::kJpeg);
  EXPECT_FALSE(sniff_cover(gif).has_value());
  EXPECT_FALSE(sniff_cover(std::span<const unsigned char>()).has_value());
}

TEST(CoverRefTest, ReadsTheDimensionsOfPngAndJpeg) {
  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                               'I',  'H', 'D', 'R', 0,    0,    1,    0x2C, 0, 0, 0, 0x64};
  auto p = inspect_cover(png);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, CoverType::kPng);
  EXPECT_EQ(p->width, 300);
  EXPECT_EQ(p->height, 100);
  // SOI, an APP0 segment of 16 bytes, then SOF0: precision 8, height 32, width 64.
  std::vector<unsigned char> jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10};
  jpeg.resize(jpeg.size() + 14, 0);
  for (unsigned char c : {0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x20, 0x00, 0x40, 0x01}) {
    jpeg.push_back(c);
  }
  auto j = inspect_cover(jpeg);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->type, CoverType::kJpeg);
  EXPECT_EQ(j->width, 64);
  EXPECT_EQ(j->height, 32);
  jpeg.resize(8);  // cut inside the APP0 segment: no frame
  EXPECT_FALSE(inspect_cover(jpeg).has_value());
  const unsigned char no_ihdr[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                                   'X',  'X', 'X', 'X', 0,    0,    1,    0x2C, 0, 0, 0, 0x64};
  EXPECT_FALSE(inspect_cover(no_ihdr).has_value());
  // The MP4 muxer refuses a picture over 65535 pixels a side: such a cover, accepted, failed
  // every assembly that used it.
  unsigned char wide[sizeof png];
  std::copy(std::begin(png), std::end(png), wide);
  wide[16] = 0, wide[17] = 0, wide[18] = 0xFF, wide[19] = 0xFF;  // 65535 wide: the most
  ASSERT_TRUE(inspect_cover(wide).has_value());
  EXPECT_EQ(inspect_cover(wide)->width, kMaxCoverSide);
  wide[17] = 1, wide[18] = 0, wide[19] = 0;  // 65536 wide
  EXPECT_FALSE(inspect_cover(wide).has_value());
  wide[17] = 0, wide[18] = 1, wide[19] = 0x2C, wide[21] = 1, wide[22] = 0, wide[23] = 0;
  EXPECT_FALSE(inspect_cover(wide).has_value());  // 65536 high
}

TEST(CoverRefTest, PathsRoundTripAndKeysArePerOwner) {
  const CoverRef cover{std::string(64, 'e'), CoverType::kJpeg};
  auto parsed = parse_cover_path(cover_path(cover), "cover_url");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->sha256, cover.sha256);
  EXPECT_EQ(parsed->type, CoverType::kJpeg);
  EXPECT_EQ(cover_blob_key("u1", cover), "covers/u1/" + cover.sha256 + ".jpg");
  EXPECT_NE(cover_blob_key("u1", cover), cover_blob_key("u2", cover));
}

}  // namespace
}  // namespace polyvox
