#include "audio/segment_layout.h"

#include "audio/wav.h"

namespace polyvox::audio {

Error segment_error(std::size_t index, const std::string& what) {
  return Error{ErrorKind::kInternal, "segment " + std::to_string(index) + ": " + what, ""};
}

Result<Mp3Segment> locate_mp3_segment(std::span<const uint8_t> file, std::size_t index) {
  const Mp3Extent extent = mp3_audio_extent(file);
  const auto audio = file.subspan(extent.begin, extent.end - extent.begin);
  auto header = parse_mp3_frame_header(audio);
  if (!header || header->layer != 3 || header->frame_bytes > audio.size()) {
    return segment_error(index, "not an MP3 stream");
  }
  const auto tag_frame = audio.subspan(0, header->frame_bytes);
  auto tag = parse_xing_tag(tag_frame, *header);
  if (!tag || !tag->has_lame) return segment_error(index, "no LAME Info tag");
  return Mp3Segment{*header, *tag, tag_frame, audio.subspan(header->frame_bytes),
                    extent.begin + header->frame_bytes};
}

Result<uint64_t> count_mp3_segment_frames(const Mp3Segment& segment, const Mp3FrameHeader& stream,
                                          std::size_t index) {
  const auto region = segment.frames;
  std::size_t pos = 0;
  uint64_t frames = 0;
  while (pos < region.size()) {
    auto frame = parse_mp3_frame_header(region.subspan(pos));
    if (!frame || !frame->compatible_with(stream) || pos + frame->frame_bytes > region.size()) {
      return segment_error(
          index, "corrupt MP3 data at byte " + std::to_string(segment.frames_offset + pos));
    }
    pos += frame->frame_bytes;
    ++frames;
  }
  if (segment.tag.frames && *segment.tag.frames != frames) {
    return segment_error(index, "truncated: " + std::to_string(frames) + " of " +
                                    std::to_string(*segment.tag.frames) + " frames");
  }
  return frames;
}

Result<WavSegment> locate_wav_segment(std::span<const uint8_t> file, std::size_t index) {
  auto layout = parse_wav(file);
  if (!layout || layout->channels != 1 || layout->bits_per_sample != 16) {
    return segment_error(index, "not a mono 16-bit PCM WAV file");
  }
  const std::size_t usable = layout->data_bytes & ~std::size_t{1};
  return WavSegment{layout->sample_rate, file.subspan(layout->data_offset, usable)};
}

}  // namespace polyvox::audio
