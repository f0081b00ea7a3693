// MP3 frame headers, the tag-free extent and Xing/Info + LAME tags (audio/mp3_frame.h) on
// arbitrary bytes, walked frame by frame the way the assembler reads a segment. Every extent
// lies inside the file, every header gives a frame of at least its own size, and an Info tag
// that was rewritten reads back as written.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "audio/mp3_frame.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;
namespace audio = polyvox::audio;

namespace {

void check_tag_rewrite(std::span<const uint8_t> frame, const audio::Mp3FrameHeader& header) {
  std::vector<uint8_t> copy(frame.begin(), frame.end());
  const uint32_t frames = static_cast<uint32_t>(copy.size() * 7);
  const uint32_t bytes = static_cast<uint32_t>(copy.size() * 1000 + 3);
  if (!audio::rewrite_info_tag(copy, header, frames, bytes, 576 + 529, 5000, 0xBEEF)) return;
  const auto tag = audio::parse_xing_tag(copy, header);
  check(tag.has_value(), "a rewritten tag still parses");
  check(tag->has_lame, "a rewritten tag keeps its LAME extension");
  check(tag->frames == frames, "a rewritten tag reads back its frame count");
  check(tag->bytes == bytes, "a rewritten tag reads back its byte count");
  check(tag->encoder_delay == 576 + 529, "a rewritten tag reads back its delay");
  check(tag->encoder_padding == 4095, "padding is clamped to 12 bits");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::span<const uint8_t> file(data, size);
  (void)audio::lame_crc16(file);
  const auto extent = audio::mp3_audio_extent(file);
  check(extent.begin <= extent.end && extent.end <= size, "the extent lies inside the file");
  std::size_t pos = extent.begin;
  for (int n = 0; n < 5000 && pos < extent.end; ++n) {
    const auto rest = file.subspan(pos, extent.end - pos);
    const auto header = audio::parse_mp3_frame_header(rest);
    if (!header) {
      ++pos;  // resynchronize, as a tolerant reader would
      continue;
    }
    check(header->frame_bytes >= 4, "a frame holds at least its header");
    check(header->sample_rate > 0 && header->bitrate_kbps > 0, "rates are positive");
    check(header->channels == 1 || header->channels == 2, "mono or stereo");
    check(header->compatible_with(*header), "a header is compatible with itself");
    const auto frame = rest.subspan(0, std::min(header->frame_bytes, rest.size()));
    if (const auto tag = audio::parse_xing_tag(frame, *header)) {
      check(tag->encoder_delay >= 0 && tag->encoder_delay <= 4095, "delay is 12 bits");
      check(tag->encoder_padding >= 0 && tag->encoder_padding <= 4095, "padding is 12 bits");
      check_tag_rewrite(frame, *header);
    }
    pos += header->frame_bytes;
  }
  return 0;
}
