// MPEG audio (Layer III) frame headers, Xing/Info + LAME tags and the tag-free extent of an MP3
// file: what assembling MP3 segments without re-encoding needs to know about the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace polyvox::audio {

struct Mp3FrameHeader {
  int mpeg_version = 1;  // 1, 2, or 25 (MPEG 2.5)
  int layer = 3;
  int bitrate_kbps = 0;
  int sample_rate = 0;
  int channels = 1;
  bool padded = false;
  bool has_crc = false;
  std::size_t frame_bytes = 0;
  int samples_per_frame = 0;
  std::size_t side_info_bytes = 0;  // where a Xing/Info tag starts is 4 + side_info_bytes

  // True when frames of `other` can follow frames of this stream in one file.
  bool compatible_with(const Mp3FrameHeader& other) const {
    return mpeg_version == other.mpeg_version && layer == other.layer &&
           sample_rate == other.sample_rate && channels == other.channels;
  }
};

// Parses the 4-byte header at the start of `bytes`; nullopt when it is not a valid Layer I-III
// header (free-format and reserved values are rejected). Pure.
std::optional<Mp3FrameHeader> parse_mp3_frame_header(std::span<const uint8_t> bytes);

// The part of an MP3 file that holds frames: after any ID3v2 tags, before an ID3v1 tag and an
// APEv2 tag at the end. Pure.
struct Mp3Extent {
  std::size_t begin = 0;
  std::size_t end = 0;
};
Mp3Extent mp3_audio_extent(std::span<const uint8_t> file);

// A Xing ("Xing" = VBR, "Info" = CBR) tag frame, with the LAME extension when present.
struct XingTag {
  bool cbr_info = false;           // "Info" rather than "Xing"
  std::optional<uint32_t> frames;  // audio frames, the tag frame excluded
  std::optional<uint32_t> bytes;   // bytes of the stream, the tag frame included
  bool has_lame = false;
  int encoder_delay = 0;    // samples the encoder added at the start (LAME extension)
  int encoder_padding = 0;  // samples the encoder added at the end (LAME extension)
};

// Parses the Xing/Info tag inside `frame` (a whole frame whose header is `header`); nullopt when
// the frame is an ordinary audio frame. Pure.
std::optional<XingTag> parse_xing_tag(std::span<const uint8_t> frame, const Mp3FrameHeader& header);

// Rewrites, in place, the Info tag of `frame` (a LAME-written Info frame) for a stream of
// `audio_frames` frames totalling `stream_bytes` bytes (tag frame included) with the given
// encoder delay and padding: frame count, byte count, linear seek table, LAME delay/padding,
// music length, music CRC and the tag's own CRC. Returns false when `frame` has no LAME Info tag.
bool rewrite_info_tag(std::span<uint8_t> frame, const Mp3FrameHeader& header, uint32_t audio_frames,
                      uint32_t stream_bytes, int encoder_delay, int encoder_padding,
                      uint16_t music_crc);

// Marks a stream whose length is not known: the largest byte count the tag can hold.
inline constexpr uint32_t kUnknownStreamBytes = 0xFFFFFFFF;

// An Info tag frame for a stream sent while it is produced, made from `frame` (a LAME-written Info
// frame, whose header and side information it keeps): no frame count and no seek table (both
// unknown), a byte count of kUnknownStreamBytes (with neither count, decoders would play the tag
// frame as audio), the LAME extension with `encoder_delay` and no padding (the end is not known),
// and no music CRC. The same size as `frame`; nullopt when `frame` has no LAME Info tag. Pure.
std::optional<std::vector<uint8_t>> open_ended_info_frame(std::span<const uint8_t> frame,
                                                          const Mp3FrameHeader& header,
                                                          int encoder_delay);

// CRC-16 as LAME computes it for its tag and for the music data (CRC-16/ARC: reflected
// polynomial 0xA001, initial value `crc`).
uint16_t lame_crc16(std::span<const uint8_t> bytes, uint16_t crc = 0);

}  // namespace polyvox::audio
