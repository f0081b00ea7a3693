#include "core/output_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace polyvox {
namespace {

struct FormatRow {
  OutputFormat format;
  const char* name;
  const char* mime;
};

constexpr std::array<FormatRow, 8> kFormats{{
    {OutputFormat::kMp3, "mp3", "audio/mpeg"},
    {OutputFormat::kWav, "wav", "audio/wav"},
    {OutputFormat::kFlac, "flac", "audio/flac"},
    {OutputFormat::kOpus, "opus", "audio/ogg"},
    {OutputFormat::kAac, "aac", "audio/aac"},
    {OutputFormat::kM4a, "m4a", "audio/mp4"},
    {OutputFormat::kPcm, "pcm", "audio/pcm"},
    {OutputFormat::kM4b, "m4b", "audio/mp4"},
}};

constexpr std::array<int, 5> kCompressedRates{22050, 24000, 32000, 44100, 48000};
constexpr std::array<int, 14> kMpeg1Bitrates{32,  40,  48,  56,  64,  80,  96,
                                             112, 128, 160, 192, 224, 256, 320};
constexpr std::array<int, 14> kMpeg2Bitrates{8,  16, 24, 32,  40,  48,  56,
                                             64, 80, 96, 112, 128, 144, 160};

template <std::size_t N>
bool contains(const std::array<int, N>& values, int value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

template <std::size_t N>
std::string listed(const std::array<int, N>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

bool is_mpeg2_rate(int rate) { return rate > 0 && rate < 32000; }

// Whether a mono MP3 frame at `kbps` and `rate` holds LAME's Info tag (the gapless delay and
// padding every segment carries): LAME writes none when its frame is smaller than the side
// information and the tag's 156 bytes (lame's InitVbrTag), and a segment cannot be encoded.
bool mp3_frame_holds_info_tag(int rate, int kbps) {
  const bool mpeg1 = !is_mpeg2_rate(rate);
  const int frame_bytes = (mpeg1 ? 144000 : 72000) * kbps / rate;
  const int side_info = mpeg1 ? 4 + 17 : 4 + 9;
  return frame_bytes >= side_info + 156;
}

const FormatRow& row(OutputFormat format) {
  for (const FormatRow& r : kFormats) {
    if (r.format == format) return r;
  }
  return kFormats[0];
}

Status check_rate(OutputFormat format, int rate, const std::string& field) {
  const std::string name = output_format_name(format);
  switch (format) {
    case OutputFormat::kOpus:
      if (rate != kOpusRate) return invalid_input(field, "must be 48000 for opus (Ogg Opus)");
      return Status::success();
    case OutputFormat::kMp3:
    case OutputFormat::kAac:
    case OutputFormat::kM4a:
    case OutputFormat::kM4b:
      if (!contains(kCompressedRates, rate)) {
        return invalid_input(field, "must be one of " + listed(kCompressedRates) + " for " + name +
                                        ", got " + std::to_string(rate));
      }
      return Status::success();
    default:
      if (rate < kMinLosslessRate || rate > kMaxLosslessRate) {
        return invalid_input(field, "must be between " + std::to_string(kMinLosslessRate) +
                                        " and " + std::to_string(kMaxLosslessRate) + " for " +
                                        name + ", got " + std::to_string(rate));
      }
      return Status::success();
  }
}

// `rate` 0 is the configured OUTPUT_SAMPLE_RATE, always an MPEG-1 rate (32000, 44100, 48000).
Status check_bitrate(OutputFormat format, int rate, int kbps, const std::string& field) {
  const std::string name = output_format_name(format);
  if (!is_lossy(format)) {
    return invalid_input(field,
                         "is only for lossy formats (mp3, opus, aac, m4a, m4b), not " + name);
  }
  if (format == OutputFormat::kMp3) {
    const bool mpeg2 = is_mpeg2_rate(rate);
    if (!contains(mpeg2 ? kMpeg2Bitrates : kMpeg1Bitrates, kbps)) {
      return invalid_input(field, "must be an MP3 bitrate of " +
                                      std::string(mpeg2 ? "MPEG-2 (" : "MPEG-1 (") +
                                      listed(mpeg2 ? kMpeg2Bitrates : kMpeg1Bitrates) + ")" +
                                      (rate == 0 ? "" : " at " + std::to_string(rate) + " Hz") +
                                      ", got " + std::to_string(kbps));
    }
    if (rate != 0 && !mp3_frame_holds_info_tag(rate, kbps)) {
      const auto& table = mpeg2 ? kMpeg2Bitrates : kMpeg1Bitrates;
      const auto least = std::find_if(table.begin(), table.end(),
                                      [rate](int k) { return mp3_frame_holds_info_tag(rate, k); });
      return invalid_input(field,
                           "must be at least " + std::to_string(*least) + " for MP3 at " +
                               std::to_string(rate) +
                               " Hz (a smaller frame cannot hold the gapless Info tag), got " +
                               std::to_string(kbps));
    }
    return Status::success();
  }
  const int low = format == OutputFormat::kOpus ? 6 : 16;
  const int high = 256;
  if (kbps < low || kbps > high) {
    return invalid_input(field, "must be between " + std::to_string(low) + " and " +
                                    std::to_string(high) + " for " + name + ", got " +
                                    std::to_string(kbps));
  }
  return Status::success();
}

}  // namespace

const char* output_format_name(OutputFormat format) { return row(format).name; }

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  for (const FormatRow& r : kFormats) {
    if (name == r.name) return r.format;
  }
  return std::nullopt;
}

std::optional<OutputFormat> output_format_for_path(std::string_view path) {
  // Other names files of these formats commonly carry.
  constexpr std::array<std::pair<std::string_view, OutputFormat>, 3> kAliases{{
      {"ogg", OutputFormat::kOpus},
      {"oga", OutputFormat::kOpus},
      {"raw", OutputFormat::kPcm},
  }};
  const std::size_t slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;  // none, or a dot file
  std::string extension(name.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (auto format = parse_output_format(extension)) return format;
  for (const auto& [alias, format] : kAliases) {
    if (extension == alias) return format;
  }
  return std::nullopt;
}

const char* output_format_names() { return "mp3, wav, flac, opus, aac, m4a, m4b, pcm"; }

const char* output_format_mime(OutputFormat format) { return row(format).mime; }

bool is_lossy(OutputFormat format) {
  return format == OutputFormat::kMp3 || format == OutputFormat::kOpus ||
         format == OutputFormat::kAac || is_mp4(format);
}

Status check_output_settings(OutputFormat format, int sample_rate, int bitrate_kbps,
                             const std::string& rate_field, const std::string& bitrate_field) {
  if (sample_rate != 0) {
    if (Status s = check_rate(format, sample_rate, rate_field); !s) return s;
  }
  if (bitrate_kbps != 0) return check_bitrate(format, sample_rate, bitrate_kbps, bitrate_field);
  return Status::success();
}

int effective_sample_rate(OutputFormat format, int sample_rate, int configured_rate) {
  if (sample_rate != 0) return sample_rate;
  return format == OutputFormat::kOpus ? kOpusRate : configured_rate;
}

int effective_bitrate_kbps(OutputFormat format, int sample_rate, int bitrate_kbps,
                           int configured_mp3_bitrate_kbps) {
  if (!is_lossy(format)) return 0;
  if (bitrate_kbps != 0) return bitrate_kbps;
  switch (format) {
    case OutputFormat::kMp3:
      return is_mpeg2_rate(sample_rate) ? std::min(configured_mp3_bitrate_kbps, 160)
                                        : configured_mp3_bitrate_kbps;
    case OutputFormat::kOpus:
      return kDefaultOpusBitrateKbps;
    default:
      return kDefaultAacBitrateKbps;
  }
}

AudioOutput resolve_output(OutputFormat format, int sample_rate, int bitrate_kbps,
                           int configured_rate, int configured_mp3_bitrate_kbps) {
  const int rate = effective_sample_rate(format, sample_rate, configured_rate);
  return AudioOutput{
      format, rate,
      effective_bitrate_kbps(format, rate, bitrate_kbps, configured_mp3_bitrate_kbps)};
}

}  // namespace polyvox
