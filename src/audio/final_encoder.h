// The final file of a job whose format is encoded (flac, opus, aac, m4a: audio_encoder.h): its
// lossless WAV segments, read in block order, encoded ONCE as one stream, so that no block is
// encoded twice and no codec boundary falls between blocks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "audio/assembler.h"
#include "audio/audio_encoder.h"
#include "core/output_format.h"

namespace polyvox::audio {

// Encodes segments 0..count-1 (WAV files from encode_segment) into `path` as `output`. The
// result's `samples` is the number of samples encoded (what a decoder that honours the
// container's priming and end trimming returns: audio_encoder.h). Fails (kInternal) when a
// segment is not a mono 16-bit WAV at output.sample_rate, or the encoder fails; (kIo) when the
// file cannot be written; `path` then holds a partial file that the caller discards.
// `chapters` and `cover` go into the formats that carry them (audio_encoder.h: EncoderSettings).
// REQUIRES: count >= 1, needs_encoder(output.format). Thread-compatible.
Result<AssemblyResult> encode_segments(const AudioOutput& output, std::size_t count,
                                       const SegmentSource& source,
                                       const std::filesystem::path& path,
                                       std::vector<Chapter> chapters = {}, CoverArt cover = {});

// One block's audio as a file of `output.format` from its segment: mp3 and wav segments as they
// are; pcm the WAV segment's samples; the encoded formats encode them whole (kMemory: FLAC with
// its length, M4A with its index last). Fails (kInternal) for a segment that is not what the
// format stores, or an encoder failure. Thread-safe.
Result<std::string> segment_in_format(const AudioOutput& output, std::string segment);

// The samples of a WAV segment's data (whole samples, little-endian) as int16. Pure.
std::vector<int16_t> wav_samples(std::span<const uint8_t> data);

}  // namespace polyvox::audio
