#include "audio/final_encoder.h"

#include <system_error>

#include "audio/audio_encoder.h"
#include "audio/segment_layout.h"

namespace polyvox::audio {

std::vector<int16_t> wav_samples(std::span<const uint8_t> data) {
  std::vector<int16_t> samples(data.size() / 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<int16_t>(data[2 * i] | (data[2 * i + 1] << 8));
  }
  return samples;
}

Result<std::string> segment_in_format(const AudioOutput& output, std::string segment) {
  if (segments_are_output(output.format)) return segment;
  const std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(segment.data()),
                                      segment.size());
  auto located = locate_wav_segment(file, 0);
  if (!located) return located.take_error();
  if (output.format == OutputFormat::kPcm) {
    return std::string(reinterpret_cast<const char*>(located->samples.data()),
                       located->samples.size());
  }
  const AudioOutput at_rate{output.format, located->sample_rate, output.bitrate_kbps};
  return encode_to_memory(at_rate, wav_samples(located->samples));
}

Result<AssemblyResult> encode_segments(const AudioOutput& output, std::size_t count,
                                       const SegmentSource& source,
                                       const std::filesystem::path& path,
                                       std::vector<Chapter> chapters, CoverArt cover) {
  if (count == 0) return Error{ErrorKind::kInternal, "nothing to assemble", ""};
  auto encoder = open_encoder(EncoderSettings{output, EncoderSink::kFile, path.string(),
                                              std::move(chapters), std::move(cover)});
  if (!encoder) return encoder.take_error();
  int64_t samples = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto fetched = source(i);
    if (!fetched) return fetched.take_error();
    const std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(fetched->data()),
                                        fetched->size());
    auto segment = locate_wav_segment(file, i);
    if (!segment) return segment.take_error();
    if (segment->sample_rate != output.sample_rate) {
      return segment_error(i, "sample rate " + std::to_string(segment->sample_rate) +
                                  " Hz, not the job's " + std::to_string(output.sample_rate));
    }
    const std::vector<int16_t> pcm = wav_samples(segment->samples);
    if (Status s = (*encoder)->add(pcm); !s) return s.error();
    samples += static_cast<int64_t>(pcm.size());
  }
  if (Status s = (*encoder)->finish(); !s) return s.error();
  encoder->reset();  // closes the file
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) return Error{ErrorKind::kIo, "cannot read the size of " + path.string(), ""};
  return AssemblyResult{samples, output.sample_rate, static_cast<uint64_t>(bytes)};
}

}  // namespace polyvox::audio
