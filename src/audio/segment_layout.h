// Where the audio of one encoded segment (segment.h) lies, checked: what assembling segments
// without re-encoding needs to read of each, whether into a file (assembler.h) or into a stream
// sent while the job renders (progressive_assembler.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "audio/mp3_frame.h"
#include "core/error.h"

namespace polyvox::audio {

// The error of a segment that cannot be assembled: kInternal, "segment <index>: <what>"
// (segments are the service's own files, so a bad one is a bug or a damaged store).
Error segment_error(std::size_t index, const std::string& what);

// An MP3 segment: its LAME Info tag frame, then its audio frames.
struct Mp3Segment {
  Mp3FrameHeader header;  // of the tag frame
  XingTag tag;            // has_lame is true
  std::span<const uint8_t> tag_frame;
  std::span<const uint8_t> frames;  // every audio frame; ID3/APE tags at either end excluded
  std::size_t frames_offset = 0;    // where `frames` starts in the file
};

// Finds the Info tag frame and the audio frames of `file` (segment `index`). Fails
// (segment_error) when, after any ID3v2 tags, the file does not start with a whole Layer III
// frame holding a LAME Info tag. The spans point into `file`. Pure.
Result<Mp3Segment> locate_mp3_segment(std::span<const uint8_t> file, std::size_t index);

// Counts the audio frames of `segment` (segment `index`), checking that each one is a whole frame
// compatible with `stream` and that there are as many as its Info tag says. Fails
// (segment_error) with "corrupt MP3 data at byte N" or "truncated: F of T frames". Pure.
Result<uint64_t> count_mp3_segment_frames(const Mp3Segment& segment, const Mp3FrameHeader& stream,
                                          std::size_t index);

// A WAV segment's sample data (whole samples only: an odd last byte is left out).
struct WavSegment {
  int sample_rate = 0;
  std::span<const uint8_t> samples;  // signed 16-bit little-endian mono
};

// Finds the sample data of `file` (segment `index`). Fails (segment_error) when it is not a mono
// 16-bit PCM WAV file. The span points into `file`. Pure.
Result<WavSegment> locate_wav_segment(std::span<const uint8_t> file, std::size_t index);

}  // namespace polyvox::audio
