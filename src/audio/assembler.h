// Assembly of encoded segments into the final file WITHOUT re-encoding: MP3 frames are
// concatenated under one Info tag (frame count, bytes, seek table, encoder delay and padding);
// WAV sample data is concatenated under one header (wav) or none (pcm: raw s16le). The encoded
// formats (flac, opus, aac, m4a) are made by encode_segments (final_encoder.h) instead. Cost is
// O(bytes); one segment is held in memory at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/job.h"

namespace polyvox::audio {

// Returns the bytes of segment `index` (a file produced by encode_segment). Called once per
// segment, in index order.
using SegmentSource = std::function<Result<std::string>(std::size_t index)>;

struct AssemblyResult {
  int64_t samples = 0;  // decoded duration of the file, in samples
  int sample_rate = 0;
  uint64_t bytes = 0;
};

// WAV only: what the caller knows of the result before assembly.
struct WavPlan {
  // The bytes of samples the segments are expected to add up to (the blocks' total samples x 2):
  // when a canonical WAV cannot hold them, the file is written as RF64 (wav.h) from the start.
  // An estimate: the file made is correct whatever the segments hold, but a result too large
  // for the header chosen fails (kInvalidInput).
  uint64_t expected_data_bytes = 0;
  // The most a canonical WAV file may hold, its header included: RIFF's 32-bit sizes. Tests
  // lower it to make RF64 files of a few bytes.
  uint64_t riff_max_bytes = UINT32_MAX;
};

// Writes the concatenation of segments 0..count-1 to `out`, which must be a seekable file opened
// for writing and empty. Fails (kInternal) when a segment is corrupt, truncated, of another
// format, not laid out for gapless assembly or tagged with more encoder delay and padding than
// there is audio, and (kIo) when writing fails; `out` then holds a partial file that the caller
// discards. MP3 only: `id3_tag` (an ID3v2 tag, id3_chapters.h) is written first, before the
// Info tag frame; the Info tag's byte count and seek table cover the frames only, as decoders
// expect, and the result's `bytes` the whole file. WAV only: `wav` chooses between a canonical
// header and RF64, and a result too large for the header chosen fails (kInvalidInput).
// REQUIRES: count >= 1, format mp3, wav or pcm; `id3_tag` empty unless mp3. Thread-compatible.
Result<AssemblyResult> assemble_segments(OutputFormat format, std::size_t count,
                                         const SegmentSource& source, std::FILE* out,
                                         std::string_view id3_tag = {}, const WavPlan& wav = {});

}  // namespace polyvox::audio
