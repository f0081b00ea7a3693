#include "audio/progressive_assembler.h"

#include <span>

#include "audio/audio_encoder.h"
#include "audio/final_encoder.h"
#include "audio/segment.h"
#include "audio/segment_layout.h"
#include "audio/wav.h"

namespace polyvox::audio {
namespace {

// Where the canonical WAV header (wav.h) holds its two size fields.
constexpr std::size_t kWavRiffSizeOffset = 4;
constexpr std::size_t kWavDataSizeOffset = 40;

std::string describe(const Mp3FrameHeader& h) {
  const std::string version = h.mpeg_version == 25 ? "2.5" : std::to_string(h.mpeg_version);
  return "MPEG-" + version + " " + std::to_string(h.sample_rate) + " Hz " +
         (h.channels == 1 ? "mono" : "stereo");
}

void append(std::string& out, std::span<const uint8_t> bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

ProgressiveAssembler::ProgressiveAssembler(OutputFormat format, std::size_t count, int bitrate_kbps)
    : format_(format), bitrate_kbps_(bitrate_kbps), count_(count) {}

ProgressiveAssembler::~ProgressiveAssembler() = default;

Result<std::string> ProgressiveAssembler::add(std::string_view segment) {
  if (added_ >= count_) {
    return segment_error(added_, "the job has only " + std::to_string(count_) + " segments");
  }
  const std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(segment.data()),
                                      segment.size());
  return has_mp3_segments(format_) ? add_mp3(file) : add_wav(file);
}

Result<std::string> ProgressiveAssembler::finish() {
  if (added_ < count_) {
    return Error{ErrorKind::kInternal,
                 "the stream ends after " + std::to_string(added_) + " of " +
                     std::to_string(count_) + " segments",
                 ""};
  }
  if (!encoder_) return std::string();
  if (Status s = encoder_->finish(); !s) return s.error();
  return encoder_->take();
}

Result<std::string> ProgressiveAssembler::add_mp3(std::span<const uint8_t> file) {
  const std::size_t index = added_;
  auto segment = locate_mp3_segment(file, index);
  if (!segment) return segment.take_error();
  const Mp3FrameHeader stream = mp3_stream_.value_or(segment->header);
  if (!segment->header.compatible_with(stream)) {
    return segment_error(index, "different MP3 format than segment 0 (" +
                                    describe(segment->header) + ", not " + describe(stream) + ")");
  }
  const XingTag& tag = segment->tag;
  const bool last = index + 1 == count_;
  if (!last && tag.encoder_delay + tag.encoder_padding != kSegmentGap) {
    return segment_error(index, "not laid out for gapless assembly");
  }
  auto frames = count_mp3_segment_frames(*segment, stream, index);
  if (!frames) return frames.take_error();
  const int64_t samples =
      mp3_samples_ + static_cast<int64_t>(*frames) * segment->header.samples_per_frame;
  // As assemble_segments: a tag that claims more delay and padding than there is audio.
  if (last && samples < tag.encoder_delay + tag.encoder_padding) {
    return segment_error(index, "encoder delay and padding longer than the audio");
  }

  std::string out;
  if (!mp3_stream_) {
    auto info = open_ended_info_frame(segment->tag_frame, segment->header, tag.encoder_delay);
    if (!info) return segment_error(index, "cannot write the stream's Info tag");
    out.reserve(info->size() + segment->frames.size());
    append(out, *info);
  }
  append(out, segment->frames);
  mp3_stream_ = stream;
  mp3_samples_ = samples;
  ++added_;
  return out;
}

Result<std::string> ProgressiveAssembler::add_wav(std::span<const uint8_t> file) {
  const std::size_t index = added_;
  auto segment = locate_wav_segment(file, index);
  if (!segment) return segment.take_error();
  if (wav_sample_rate_ != 0 && segment->sample_rate != wav_sample_rate_) {
    return segment_error(index, "different sample rate than segment 0 (" +
                                    std::to_string(segment->sample_rate) + " Hz, not " +
                                    std::to_string(wav_sample_rate_) + " Hz)");
  }
  if (needs_encoder(format_)) {
    auto out = encode(segment->samples, segment->sample_rate);
    if (!out) return out.take_error();
    wav_sample_rate_ = segment->sample_rate;
    ++added_;
    return out;
  }
  std::string out;
  if (wav_sample_rate_ == 0 && format_ == OutputFormat::kWav) {
    out = wav_header(0, segment->sample_rate);
    for (std::size_t i = 0; i < 4; ++i) {
      out[kWavRiffSizeOffset + i] = out[kWavDataSizeOffset + i] = '\xFF';
    }
  }
  out.reserve(out.size() + segment->samples.size());
  append(out, segment->samples);
  wav_sample_rate_ = segment->sample_rate;
  ++added_;
  return out;
}

Result<std::string> ProgressiveAssembler::encode(std::span<const uint8_t> samples,
                                                 int sample_rate) {
  if (!encoder_) {
    const AudioOutput output{format_, sample_rate,
                             effective_bitrate_kbps(format_, sample_rate, bitrate_kbps_, 0)};
    auto opened = open_encoder(EncoderSettings{output, EncoderSink::kStream, ""});
    if (!opened) return segment_error(added_, opened.error().message);
    encoder_ = std::move(opened.value());
  }
  if (Status s = encoder_->add(wav_samples(samples)); !s) {
    return segment_error(added_, s.error().message);
  }
  return encoder_->take();
}

}  // namespace polyvox::audio
