#include "audio/mp3_frame.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace polyvox::audio {
namespace {

// Bitrates in kbps by [version is MPEG1 ? 0 : 1][layer - 1][index].
constexpr int kBitrates[2][3][16] = {
    {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1},
     {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1},
     {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1}},
    {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1}},
};
constexpr int kSampleRates[3] = {44100, 48000, 32000};

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
void write_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Slicing-by-8 tables: kCrcTables[0] is the classic byte table; kCrcTables[k][b] is the CRC of
// byte b followed by k zero bytes, so that eight bytes are folded in per step.
using CrcTables = std::array<std::array<uint16_t, 256>, 8>;
constexpr CrcTables make_crc_tables() {
  CrcTables t{};
  for (unsigned i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i);
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    t[0][i] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (unsigned i = 0; i < 256; ++i) {
      t[k][i] = static_cast<uint16_t>((t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF]);
    }
  }
  return t;
}
constexpr CrcTables kCrcTables = make_crc_tables();

// Layout of the Xing tag and its LAME extension inside a frame.
constexpr std::size_t kXingFlagsOffset = 4;
constexpr uint32_t kFlagFrames = 1, kFlagBytes = 2, kFlagToc = 4, kFlagQuality = 8;
constexpr std::size_t kLameDelayOffset = 21;  // within the LAME extension
constexpr std::size_t kLameMusicLength = 28;
constexpr std::size_t kLameMusicCrc = 32;
constexpr std::size_t kLameTagCrc = 34;
constexpr std::size_t kLameExtensionBytes = 36;

struct XingLayout {
  std::size_t tag = 0;  // offset of "Xing"/"Info" in the frame
  uint32_t flags = 0;
  std::size_t frames = 0, bytes = 0, toc = 0, quality = 0;  // 0 = absent
  std::size_t lame = 0;                                     // 0 = absent
};

std::optional<XingLayout> locate_xing(std::span<const uint8_t> frame, const Mp3FrameHeader& h) {
  XingLayout l;
  l.tag = 4 + h.side_info_bytes + (h.has_crc ? 2 : 0);
  if (frame.size() < l.tag + 8) return std::nullopt;
  const uint8_t* t = frame.data() + l.tag;
  if (std::memcmp(t, "Xing", 4) != 0 && std::memcmp(t, "Info", 4) != 0) return std::nullopt;
  l.flags = read_be32(t + kXingFlagsOffset);
  std::size_t pos = l.tag + 8;
  if (l.flags & kFlagFrames) l.frames = pos, pos += 4;
  if (l.flags & kFlagBytes) l.bytes = pos, pos += 4;
  if (l.flags & kFlagToc) l.toc = pos, pos += 100;
  if (l.flags & kFlagQuality) l.quality = pos, pos += 4;
  if (pos > frame.size()) return std::nullopt;
  // The LAME extension starts with an encoder string such as "LAME3.100" or "Lavc".
  if (pos + kLameExtensionBytes <= frame.size() &&
      (std::memcmp(frame.data() + pos, "LAME", 4) == 0 ||
       std::memcmp(frame.data() + pos, "Lavc", 4) == 0 ||
       std::memcmp(frame.data() + pos, "Lavf", 4) == 0)) {
    l.lame = pos;
  }
  return l;
}

}  // namespace

uint16_t lame_crc16(std::span<const uint8_t> bytes, uint16_t crc) {
  const uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  const auto& t = kCrcTables;
  for (; n >= 8; n -= 8, p += 8) {
    const uint8_t b0 = static_cast<uint8_t>(crc ^ p[0]);
    const uint8_t b1 = static_cast<uint8_t>((crc >> 8) ^ p[1]);
    crc = static_cast<uint16_t>(t[7][b0] ^ t[6][b1] ^ t[5][p[2]] ^ t[4][p[3]] ^ t[3][p[4]] ^
                                t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]);
  }
  for (; n > 0; --n, ++p) crc = static_cast<uint16_t>((crc >> 8) ^ t[0][(crc ^ *p) & 0xFF]);
  return crc;
}

std::optional<Mp3FrameHeader> parse_mp3_frame_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4) return std::nullopt;
  const uint32_t h = read_be32(bytes.data());
  if ((h & 0xFFE00000u) != 0xFFE00000u) return std::nullopt;  // sync
  const int version_bits = (h >> 19) & 3;
  const int layer_bits = (h >> 17) & 3;
  const int bitrate_index = (h >> 12) & 15;
  const int rate_index = (h >> 10) & 3;
  if (version_bits == 1 || layer_bits == 0 || bitrate_index == 0 || bitrate_index == 15 ||
      rate_index == 3) {
    return std::nullopt;
  }
  Mp3FrameHeader f;
  f.mpeg_version = version_bits == 3 ? 1 : (version_bits == 2 ? 2 : 25);
  f.layer = 4 - layer_bits;
  f.has_crc = ((h >> 16) & 1) == 0;
  f.padded = ((h >> 9) & 1) != 0;
  f.channels = ((h >> 6) & 3) == 3 ? 1 : 2;
  f.bitrate_kbps = kBitrates[f.mpeg_version == 1 ? 0 : 1][f.layer - 1][bitrate_index];
  f.sample_rate =
      kSampleRates[rate_index] / (f.mpeg_version == 1 ? 1 : (f.mpeg_version == 2 ? 2 : 4));
  const bool lsf = f.mpeg_version != 1;
  if (f.layer == 1) {
    f.samples_per_frame = 384;
    f.frame_bytes = (12 * f.bitrate_kbps * 1000 / f.sample_rate + (f.padded ? 1 : 0)) * 4;
  } else {
    f.samples_per_frame = (f.layer == 3 && lsf) ? 576 : 1152;
    const int coefficient = (f.layer == 3 && lsf) ? 72 : 144;
    f.frame_bytes = coefficient * f.bitrate_kbps * 1000 / f.sample_rate + (f.padded ? 1 : 0);
  }
  if (f.layer == 3) {
    f.side_info_bytes =
        f.mpeg_version == 1 ? (f.channels == 1 ? 17 : 32) : (f.channels == 1 ? 9 : 17);
  }
  return f;
}

Mp3Extent mp3_audio_extent(std::span<const uint8_t> file) {
  Mp3Extent e{0, file.size()};
  // ID3v2 tags (possibly several) at the start: "ID3", version, flags, 4 syncsafe size bytes.
  while (e.begin + 10 <= file.size() && std::memcmp(file.data() + e.begin, "ID3", 3) == 0) {
    const uint8_t* p = file.data() + e.begin;
    const std::size_t size =
        (std::size_t{p[6]} << 21) | (std::size_t{p[7]} << 14) | (std::size_t{p[8]} << 7) | p[9];
    const bool footer = (p[5] & 0x10) != 0;
    e.begin += 10 + size + (footer ? 10 : 0);
  }
  e.begin = std::min(e.begin, file.size());
  // ID3v1 at the very end.
  if (e.end >= e.begin + 128 && std::memcmp(file.data() + e.end - 128, "TAG", 3) == 0) {
    e.end -= 128;
  }
  // APEv2 footer ("APETAGEX", 32 bytes, its size field counts items + footer).
  if (e.end >= e.begin + 32 && std::memcmp(file.data() + e.end - 32, "APETAGEX", 8) == 0) {
    const uint8_t* f = file.data() + e.end - 32;
    const std::size_t size = f[12] | (f[13] << 8) | (f[14] << 16) | (std::size_t{f[15]} << 24);
    const bool has_header = (f[23] & 0x80) != 0;
    const std::size_t total = size + (has_header ? 32 : 0);
    if (total <= e.end - e.begin) e.end -= total;
  }
  return e;
}

std::optional<XingTag> parse_xing_tag(std::span<const uint8_t> frame,
                                      const Mp3FrameHeader& header) {
  auto layout = locate_xing(frame, header);
  if (!layout) return std::nullopt;
  XingTag tag;
  tag.cbr_info = std::memcmp(frame.data() + layout->tag, "Info", 4) == 0;
  if (layout->frames) tag.frames = read_be32(frame.data() + layout->frames);
  if (layout->bytes) tag.bytes = read_be32(frame.data() + layout->bytes);
  if (layout->lame) {
    const uint8_t* d = frame.data() + layout->lame + kLameDelayOffset;
    tag.has_lame = true;
    tag.encoder_delay = (d[0] << 4) | (d[1] >> 4);
    tag.encoder_padding = ((d[1] & 0x0F) << 8) | d[2];
  }
  return tag;
}

bool rewrite_info_tag(std::span<uint8_t> frame, const Mp3FrameHeader& header, uint32_t audio_frames,
                      uint32_t stream_bytes, int encoder_delay, int encoder_padding,
                      uint16_t music_crc) {
  auto layout = locate_xing(frame, header);
  if (!layout || !layout->lame || !layout->frames || !layout->bytes) return false;
  uint8_t* f = frame.data();
  write_be32(f + layout->frames, audio_frames);
  write_be32(f + layout->bytes, stream_bytes);
  if (layout->toc) {
    // Constant bitrate: byte position grows linearly with time.
    for (int i = 0; i < 100; ++i) f[layout->toc + i] = static_cast<uint8_t>(i * 256 / 100);
  }
  uint8_t* lame = f + layout->lame;
  const int delay = std::clamp(encoder_delay, 0, 4095);
  const int padding = std::clamp(encoder_padding, 0, 4095);
  lame[kLameDelayOffset] = static_cast<uint8_t>(delay >> 4);
  lame[kLameDelayOffset + 1] = static_cast<uint8_t>(((delay & 0x0F) << 4) | (padding >> 8));
  lame[kLameDelayOffset + 2] = static_cast<uint8_t>(padding & 0xFF);
  write_be32(lame + kLameMusicLength, stream_bytes);
  lame[kLameMusicCrc] = static_cast<uint8_t>(music_crc >> 8);
  lame[kLameMusicCrc + 1] = static_cast<uint8_t>(music_crc & 0xFF);
  const std::size_t crc_offset = layout->lame + kLameTagCrc;
  const uint16_t tag_crc = lame_crc16(std::span<const uint8_t>(f, crc_offset));
  f[crc_offset] = static_cast<uint8_t>(tag_crc >> 8);
  f[crc_offset + 1] = static_cast<uint8_t>(tag_crc & 0xFF);
  return true;
}

std::optional<std::vector<uint8_t>> open_ended_info_frame(std::span<const uint8_t> frame,
                                                          const Mp3FrameHeader& header,
                                                          int encoder_delay) {
  auto layout = locate_xing(frame, header);
  if (!layout || !layout->lame) return std::nullopt;
  constexpr std::size_t kTagBytes = 12 + kLameExtensionBytes;  // "Info", flags, byte count, LAME
  if (layout->tag + kTagBytes > frame.size()) return std::nullopt;
  // Header, CRC and side information as they are; "Info", flags, byte count, LAME extension.
  std::vector<uint8_t> out(frame.begin(), frame.begin() + layout->tag);
  out.resize(frame.size(), 0);
  uint8_t* t = out.data() + layout->tag;
  std::memcpy(t, "Info", 4);
  write_be32(t + kXingFlagsOffset, kFlagBytes);
  write_be32(t + 8, kUnknownStreamBytes);
  uint8_t* lame = t + 12;
  std::memcpy(lame, frame.data() + layout->lame, kLameTagCrc);
  const int delay = std::clamp(encoder_delay, 0, 4095);
  lame[kLameDelayOffset] = static_cast<uint8_t>(delay >> 4);
  lame[kLameDelayOffset + 1] = static_cast<uint8_t>((delay & 0x0F) << 4);
  lame[kLameDelayOffset + 2] = 0;
  write_be32(lame + kLameMusicLength, kUnknownStreamBytes);
  lame[kLameMusicCrc] = lame[kLameMusicCrc + 1] = 0;
  const std::size_t crc_offset = static_cast<std::size_t>(lame - out.data()) + kLameTagCrc;
  const uint16_t tag_crc = lame_crc16(std::span<const uint8_t>(out.data(), crc_offset));
  out[crc_offset] = static_cast<uint8_t>(tag_crc >> 8);
  out[crc_offset + 1] = static_cast<uint8_t>(tag_crc & 0xFF);
  return out;
}

}  // namespace polyvox::audio
