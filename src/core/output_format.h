// The output formats of a job (README "Output formats" is the user-facing table): names, MIME
// types, which sample rates and bitrates each accepts, and what a job that gives none gets.
// Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

// kM4b is kM4a under the audiobook extension (the same AAC in MP4), for audiobook players.
enum class OutputFormat { kMp3, kWav, kFlac, kOpus, kAac, kM4a, kPcm, kM4b };

// "mp3", "wav", "flac", "opus", "aac", "m4a", "pcm", "m4b": the JSON spelling and the file
// extension.
const char* output_format_name(OutputFormat format);
std::optional<OutputFormat> parse_output_format(std::string_view name);
// The format the extension of the file name `path` names, case-insensitively: each format's name,
// and .ogg/.oga (Ogg Opus) and .raw (pcm); nullopt for any other extension or none. Pure.
std::optional<OutputFormat> output_format_for_path(std::string_view path);
// "mp3, wav, flac, opus, aac, m4a, m4b, pcm": for error messages and help.
const char* output_format_names();
// MIME type of a file in this format ("audio/mpeg", "audio/wav", "audio/flac", "audio/ogg",
// "audio/aac", "audio/mp4" (m4a, m4b), "audio/pcm").
const char* output_format_mime(OutputFormat format);

// Lossy formats (mp3, opus, aac, m4a, m4b) take a bitrate; the others are lossless and do not.
bool is_lossy(OutputFormat format);
// AAC in an MP4 container: m4a and m4b.
inline bool is_mp4(OutputFormat format) {
  return format == OutputFormat::kM4a || format == OutputFormat::kM4b;
}
// Whether segments of this format are MP3 (assembled frame by frame, never re-encoded). Every
// other format keeps its blocks as lossless WAV segments until the one final encode.
inline bool has_mp3_segments(OutputFormat format) { return format == OutputFormat::kMp3; }
// Whether a block's stored segment is already a file of the output format (mp3, wav); the
// others' blocks are made from it on request (audio/final_encoder.h: segment_in_format).
inline bool segments_are_output(OutputFormat format) {
  return format == OutputFormat::kMp3 || format == OutputFormat::kWav;
}

// Bounds, inclusive. Rates:
//   mp3        22050, 24000 (MPEG-2), 32000, 44100, 48000 (MPEG-1)
//   aac, m4a, m4b  22050, 24000, 32000, 44100, 48000
//   opus       48000 only (Ogg Opus always decodes at 48 kHz; a job asks for nothing else)
//   wav, flac, pcm  any integer in kMinLosslessRate..kMaxLosslessRate
// Bitrates (kbit/s, constant, mono), lossy formats only:
//   mp3   a Layer III bitrate of the rate's MPEG version: 32..320 (MPEG-1), 8..160 (MPEG-2)
//   opus  6..256       aac, m4a, m4b  16..256
inline constexpr int kMinLosslessRate = 8000;
inline constexpr int kMaxLosslessRate = 192000;
inline constexpr int kOpusRate = 48000;
inline constexpr int kDefaultOpusBitrateKbps = 64;
inline constexpr int kDefaultAacBitrateKbps = 96;

// Checks a job's sample_rate and bitrate_kbps for `format`; 0 means "not given" (the default
// applies). Fails with kInvalidInput naming `rate_field` or `bitrate_field` and what is allowed.
// Pure.
Status check_output_settings(OutputFormat format, int sample_rate, int bitrate_kbps,
                             const std::string& rate_field = "sample_rate",
                             const std::string& bitrate_field = "bitrate_kbps");

// What a job of `format` is rendered at when it gives `sample_rate` / `bitrate_kbps` (0: not
// given): the given value, else opus 48000 and the node's configured rate (OUTPUT_SAMPLE_RATE)
// for the others; bitrates: mp3 the configured MP3_BITRATE_KBPS (at most 160 at MPEG-2 rates),
// opus kDefaultOpusBitrateKbps, aac/m4a/m4b kDefaultAacBitrateKbps, lossless formats 0. Pure.
int effective_sample_rate(OutputFormat format, int sample_rate, int configured_rate);
int effective_bitrate_kbps(OutputFormat format, int sample_rate, int bitrate_kbps,
                           int configured_mp3_bitrate_kbps);

// What a job's audio is encoded as, defaults applied.
struct AudioOutput {
  OutputFormat format = OutputFormat::kMp3;
  int sample_rate = 0;   // Hz
  int bitrate_kbps = 0;  // 0 for lossless formats
};
// effective_sample_rate and effective_bitrate_kbps together. Pure.
AudioOutput resolve_output(OutputFormat format, int sample_rate, int bitrate_kbps,
                           int configured_rate, int configured_mp3_bitrate_kbps);

}  // namespace polyvox
