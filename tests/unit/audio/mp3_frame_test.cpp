#include "audio/mp3_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audio/segment.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Mp3FrameTest, ParsesMpeg1Layer3MonoHeader) {
  // sync, MPEG-1, Layer III, no CRC | 128 kbps, 44.1 kHz, padded | mono
  const uint8_t bytes[] = {0xFF, 0xFB, 0x92, 0xC0};
  auto h = parse_mp3_frame_header(bytes);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->mpeg_version, 1);
  EXPECT_EQ(h->layer, 3);
  EXPECT_EQ(h->bitrate_kbps, 128);
  EXPECT_EQ(h->sample_rate, 44100);
  EXPECT_EQ(h->channels, 1);
  EXPECT_TRUE(h->padded);
  EXPECT_FALSE(h->has_crc);
  EXPECT_EQ(h->frame_bytes, 418u);  // 144 * 128000 / 44100 + 1
  EXPECT_EQ(h->samples_per_frame, 1152);
  EXPECT_EQ(h->side_info_bytes, 17u);
}

TEST(Mp3FrameTest, ParsesMpeg2StereoHeader) {
  // MPEG-2, Layer III, 64 kbps, 24 kHz, stereo
  const uint8_t bytes[] = {0xFF, 0xF3, 0x84, 0x00};
  auto h = parse_mp3_frame_header(bytes);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->mpeg_version, 2);
  EXPECT_EQ(h->sample_rate, 24000);
  EXPECT_EQ(h->bitrate_kbps, 64);
  EXPECT_EQ(h->channels, 2);
  EXPECT_EQ(h->samples_per_frame, 576);
  EXPECT_EQ(h->frame_bytes, 192u);  // 72 * 64000 / 24000
}

TEST(Mp3FrameTest, RejectsInvalidHeaders) {
  const uint8_t no_sync[] = {0xFF, 0x0B, 0x92, 0xC0};
  const uint8_t bad_bitrate[] = {0xFF, 0xFB, 0xF2, 0xC0};
  const uint8_t free_format[] = {0xFF, 0xFB, 0x02, 0xC0};
  const uint8_t bad_rate[] = {0xFF, 0xFB, 0x9C, 0xC0};
  const uint8_t id3[] = {'I', 'D', '3', 4};
  EXPECT_FALSE(parse_mp3_frame_header(no_sync));
  EXPECT_FALSE(parse_mp3_frame_header(bad_bitrate));
  EXPECT_FALSE(parse_mp3_frame_header(free_format));
  EXPECT_FALSE(parse_mp3_frame_header(bad_rate));
  EXPECT_FALSE(parse_mp3_frame_header(id3));
  EXPECT_FALSE(parse_mp3_frame_header(std::span<const uint8_t>(no_sync, 3)));
}

TEST(Mp3FrameTest, FindsAudioBetweenTags) {
  std::string file = std::string("ID3\x04\x00\x00\x00\x00\x00\x05", 10) + "xxxxx";
  const std::size_t audio_begin = file.size();
  file += std::string(1000, 'A');
  file += "TAG" + std::string(125, ' ');
  Mp3Extent e = mp3_audio_extent(bytes_of(file));
  EXPECT_EQ(e.begin, audio_begin);
  EXPECT_EQ(e.end, audio_begin + 1000);
}

TEST(Mp3FrameTest, LameCrcIsCrc16Arc) {
  const std::string check = "123456789";
  EXPECT_EQ(lame_crc16(bytes_of(check)), 0xBB3D);
  // Incremental use gives the same result.
  EXPECT_EQ(lame_crc16(bytes_of(check.substr(4)), lame_crc16(bytes_of(check.substr(0, 4)))),
            0xBB3D);
}

// Bit-by-bit CRC-16/ARC, the definition the table-driven version must match.
uint16_t reference_crc16(const std::vector<uint8_t>& bytes) {
  uint16_t crc = 0;
  for (uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
  }
  return crc;
}

TEST(Mp3FrameTest, LameCrcMatchesBitwiseDefinitionOnAnyLength) {
  std::vector<uint8_t> bytes;
  for (int n = 0; n < 300; ++n) {
    EXPECT_EQ(lame_crc16(bytes), reference_crc16(bytes)) << "length " << n;
    bytes.push_back(static_cast<uint8_t>(n * 97 + 13));
  }
}

// A segment as encode_segment writes it: a LAME Info tag frame, then audio frames.
std::string tagged_segment() {
  auto segment =
      encode_segment(polyvox::test_support::tone(500, 44100), 0, 0, true, SegmentOptions{});
  EXPECT_TRUE(segment.ok());
  return segment.ok() ? segment->bytes : std::string();
}

// Whether the CRC stored at `crc_at` covers every byte before it (LAME's rule for its tag).
bool tag_crc_matches(std::span<const uint8_t> frame, std::size_t crc_at) {
  const uint16_t stored = static_cast<uint16_t>((frame[crc_at] << 8) | frame[crc_at + 1]);
  return stored == lame_crc16(frame.subspan(0, crc_at));
}

TEST(Mp3FrameTest, ReadsAndRewritesLameInfoTag) {
  const std::string segment = tagged_segment();
  auto file = bytes_of(segment);
  auto header = parse_mp3_frame_header(file);
  ASSERT_TRUE(header.has_value());
  std::vector<uint8_t> frame(file.begin(), file.begin() + header->frame_bytes);
  auto tag = parse_xing_tag(frame, *header);
  ASSERT_TRUE(tag.has_value());
  EXPECT_TRUE(tag->cbr_info);
  EXPECT_TRUE(tag->has_lame);
  EXPECT_EQ(tag->encoder_delay, 576);
  ASSERT_TRUE(tag->frames.has_value());
  EXPECT_EQ(*tag->bytes, segment.size());

  ASSERT_TRUE(rewrite_info_tag(frame, *header, 12345, 6789012, 576, 1234, 0xBEEF));
  auto rewritten = parse_xing_tag(frame, *header);
  ASSERT_TRUE(rewritten.has_value());
  EXPECT_EQ(*rewritten->frames, 12345u);
  EXPECT_EQ(*rewritten->bytes, 6789012u);
  EXPECT_EQ(rewritten->encoder_delay, 576);
  EXPECT_EQ(rewritten->encoder_padding, 1234);
  // The tag's CRC covers every byte before it (LAME's rule): recomputing it matches.
  EXPECT_TRUE(tag_crc_matches(frame, 4 + header->side_info_bytes + 120 + 34));
}

TEST(Mp3FrameTest, MakesOpenEndedInfoFrameForAStream) {
  const std::string segment = tagged_segment();
  auto file = bytes_of(segment);
  auto header = parse_mp3_frame_header(file);
  ASSERT_TRUE(header.has_value());
  const auto source = file.subspan(0, header->frame_bytes);

  auto frame = open_ended_info_frame(source, *header, 576);
  ASSERT_TRUE(frame.has_value());
  ASSERT_EQ(frame->size(), source.size());
  const std::size_t tag_at = 4 + header->side_info_bytes;
  EXPECT_TRUE(std::equal(source.begin(), source.begin() + tag_at, frame->begin()));
  auto tag = parse_xing_tag(*frame, *header);
  ASSERT_TRUE(tag.has_value());
  EXPECT_TRUE(tag->cbr_info);
  EXPECT_FALSE(tag->frames.has_value());
  EXPECT_EQ(tag->bytes, kUnknownStreamBytes);
  EXPECT_TRUE(tag->has_lame);
  EXPECT_EQ(tag->encoder_delay, 576);
  EXPECT_EQ(tag->encoder_padding, 0);
  // The LAME extension keeps the encoder's name; its CRC covers every byte before it.
  const std::size_t lame_at = tag_at + 12;
  EXPECT_EQ(std::string(frame->begin() + lame_at, frame->begin() + lame_at + 4), "LAME");
  EXPECT_TRUE(tag_crc_matches(*frame, lame_at + 34));

  // An ordinary audio frame has no tag to start from.
  const auto second = file.subspan(header->frame_bytes);
  EXPECT_FALSE(open_ended_info_frame(second, *parse_mp3_frame_header(second), 576));
}

TEST(Mp3FrameTest, OrdinaryFrameHasNoXingTag) {
  const std::string segment = tagged_segment();
  auto file = bytes_of(segment);
  auto first = parse_mp3_frame_header(file);
  auto second_bytes = file.subspan(first->frame_bytes);
  auto second = parse_mp3_frame_header(second_bytes);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(parse_xing_tag(second_bytes.subspan(0, second->frame_bytes), *second));
}

}  // namespace
}  // namespace polyvox::audio
