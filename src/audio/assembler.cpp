#include "audio/assembler.h"

#include <optional>
#include <span>
#include <vector>

#include "audio/mp3_frame.h"
#include "audio/segment.h"
#include "audio/segment_layout.h"
#include "audio/wav.h"

namespace polyvox::audio {
namespace {

Status write_all(std::FILE* out, const void* data, std::size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, out) != size) {
    return Error{ErrorKind::kIo, "cannot write the output file", ""};
  }
  return Status::success();
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<AssemblyResult> assemble_mp3(std::size_t count, const SegmentSource& source, std::FILE* out,
                                    std::string_view id3_tag) {
  std::vector<uint8_t> info_frame;  // the first segment's Info tag frame, rewritten at the end
  std::optional<Mp3FrameHeader> stream_header;
  int first_delay = 0;
  int last_padding = 0;
  uint64_t audio_frames = 0;
  uint64_t audio_bytes = 0;
  uint16_t music_crc = 0;
  int64_t samples = 0;
  if (Status s = write_all(out, id3_tag.data(), id3_tag.size()); !s) return s.error();

  for (std::size_t i = 0; i < count; ++i) {
    auto fetched = source(i);
    if (!fetched) return fetched.take_error();
    auto segment = locate_mp3_segment(as_bytes(*fetched), i);
    if (!segment) return segment.take_error();
    const Mp3FrameHeader& header = segment->header;
    const XingTag& tag = segment->tag;
    if (!stream_header) {
      stream_header = header;
      info_frame.assign(segment->tag_frame.begin(), segment->tag_frame.end());
      first_delay = tag.encoder_delay;
      if (Status s = write_all(out, info_frame.data(), info_frame.size()); !s) return s.error();
    } else if (!header.compatible_with(*stream_header)) {
      return segment_error(i, "different MP3 format than segment 0");
    }
    const bool last = i + 1 == count;
    if (!last && tag.encoder_delay + tag.encoder_padding != kSegmentGap) {
      return segment_error(i, "not laid out for gapless assembly");
    }

    // Validate every frame before writing the segment's frames in one piece.
    auto counted = count_mp3_segment_frames(*segment, *stream_header, i);
    if (!counted) return counted.take_error();
    const uint64_t frames = *counted;
    const auto frames_region = segment->frames;
    if (Status s = write_all(out, frames_region.data(), frames_region.size()); !s) {
      return s.error();
    }
    music_crc = lame_crc16(frames_region, music_crc);
    audio_frames += frames;
    audio_bytes += frames_region.size();
    const auto spf = static_cast<int64_t>(header.samples_per_frame);
    samples += static_cast<int64_t>(frames) * spf;
    if (last) {
      last_padding = tag.encoder_padding;
      samples -= tag.encoder_delay + tag.encoder_padding;
    }
  }

  // Tags that claim more delay and padding than there is audio (found by tests/fuzz): the result
  // would report a negative duration.
  if (samples < 0) {
    return segment_error(count - 1, "encoder delay and padding longer than the audio");
  }
  const uint64_t total_bytes = info_frame.size() + audio_bytes;
  if (audio_frames > UINT32_MAX || total_bytes > UINT32_MAX) {
    return Error{ErrorKind::kInvalidInput, "the result is too large for one MP3 file", ""};
  }
  if (!rewrite_info_tag(info_frame, *stream_header, static_cast<uint32_t>(audio_frames),
                        static_cast<uint32_t>(total_bytes), first_delay, last_padding, music_crc)) {
    return segment_error(0, "cannot rewrite the Info tag");
  }
  if (std::fseek(out, static_cast<long>(id3_tag.size()), SEEK_SET) != 0) {
    return Error{ErrorKind::kIo, "cannot seek in the output file", ""};
  }
  if (Status s = write_all(out, info_frame.data(), info_frame.size()); !s) return s.error();
  if (std::fflush(out) != 0) return Error{ErrorKind::kIo, "cannot write the output file", ""};
  return AssemblyResult{samples, stream_header->sample_rate, id3_tag.size() + total_bytes};
}

// WAV (RF64 when `plan` expects more than a canonical file holds), or with `raw` the bare
// samples (pcm: no header).
Result<AssemblyResult> assemble_wav(std::size_t count, const SegmentSource& source, std::FILE* out,
                                    bool raw, const WavPlan& plan) {
  int sample_rate = 0;
  uint64_t data_bytes = 0;
  const bool rf64 = !raw && plan.expected_data_bytes + kWavHeaderBytes > plan.riff_max_bytes;
  const std::string placeholder = raw    ? std::string()
                                  : rf64 ? rf64_header(0, 8000)
                                         : wav_header(0, 8000);
  if (Status s = write_all(out, placeholder.data(), placeholder.size()); !s) return s.error();
  for (std::size_t i = 0; i < count; ++i) {
    auto fetched = source(i);
    if (!fetched) return fetched.take_error();
    auto segment = locate_wav_segment(as_bytes(*fetched), i);
    if (!segment) return segment.take_error();
    if (sample_rate == 0) sample_rate = segment->sample_rate;
    if (segment->sample_rate != sample_rate) return segment_error(i, "different sample rate");
    if (Status s = write_all(out, segment->samples.data(), segment->samples.size()); !s) {
      return s.error();
    }
    data_bytes += segment->samples.size();
  }
  if (raw) {
    if (std::fflush(out) != 0) return Error{ErrorKind::kIo, "cannot write the output file", ""};
    return AssemblyResult{static_cast<int64_t>(data_bytes / 2), sample_rate, data_bytes};
  }
  if (!rf64 && data_bytes + kWavHeaderBytes > plan.riff_max_bytes) {
    return Error{ErrorKind::kInvalidInput,
                 "the result is too large for one WAV file (the blocks' durations announced " +
                     std::to_string(plan.expected_data_bytes) + " bytes of samples, not " +
                     std::to_string(data_bytes) + ")",
                 ""};
  }
  const std::string header = rf64 ? rf64_header(data_bytes, sample_rate)
                                  : wav_header(static_cast<uint32_t>(data_bytes), sample_rate);
  if (std::fseek(out, 0, SEEK_SET) != 0) {
    return Error{ErrorKind::kIo, "cannot seek in the output file", ""};
  }
  if (Status s = write_all(out, header.data(), header.size()); !s) return s.error();
  if (std::fflush(out) != 0) return Error{ErrorKind::kIo, "cannot write the output file", ""};
  return AssemblyResult{static_cast<int64_t>(data_bytes / 2), sample_rate,
                        data_bytes + header.size()};
}

}  // namespace

Result<AssemblyResult> assemble_segments(OutputFormat format, std::size_t count,
                                         const SegmentSource& source, std::FILE* out,
                                         std::string_view id3_tag, const WavPlan& wav) {
  if (count == 0) return Error{ErrorKind::kInternal, "nothing to assemble", ""};
  if (has_mp3_segments(format)) return assemble_mp3(count, source, out, id3_tag);
  if (format == OutputFormat::kWav || format == OutputFormat::kPcm) {
    return assemble_wav(count, source, out, format == OutputFormat::kPcm, wav);
  }
  return Error{ErrorKind::kInternal,
               std::string("assemble_segments cannot make ") + output_format_name(format) +
                   " (encode_segments does)",
               ""};
}

}  // namespace polyvox::audio
