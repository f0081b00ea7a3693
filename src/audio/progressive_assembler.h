// Progressive assembly: the bytes of ONE playable stream of a job's segments, produced while the
// job renders. Each segment (a file from encode_segment) is added in block order as soon as it is
// done and yields the bytes to append to the stream at once; like assemble_segments (assembler.h)
// nothing is re-encoded, so the stream carries the final file's audio, but its headers cannot
// carry the total length, which is not known before the last block:
//
// WAV: the canonical 44-byte header with its RIFF and data sizes set to 0xFFFFFFFF (the sentinel
//   streaming WAV writers use, FFmpeg's own among them), then each segment's samples. Decoded, the
//   stream's samples equal the final file's exactly. FFmpeg reads such a file to its end; as with
//   its own streaming output, it warns that it ignores the data size and calls the last packet
//   "corrupt" (it got fewer bytes than it asked for, the data having no declared end), and
//   decodes every sample of it. (Browsers were not tried here.)
//
// MP3: an Info tag frame without frame count (open_ended_info_frame in mp3_frame.h: LAME
//   extension with the encoder delay, no padding), then each segment's MP3 frames, the very frames
//   of the final file. A decoder that honours the LAME encoder delay without a frame count (FFmpeg)
//   skips the same 576 + 529 priming samples at the start as in the final file, but cannot trim
//   the last segment's padding, which only the final file's tag declares. Measured with FFmpeg 5.1
//   (libavformat on a seekable input, as the tests decode): the stream decodes to the final file's
//   samples exactly, sample for sample, FOLLOWED BY P - 529 samples of decoded encoder padding
//   (near-silence), P being the last segment's LAME padding, 576 <= P <= 1727 (LAME 3.100, every
//   input length): 47 to 1198 samples, i.e. 1.07 to 27.17 ms at 44.1 kHz, 0.98 to 24.96 ms at
//   48 kHz, 1.47 to 37.44 ms at 32 kHz. Nothing differs at the start. Read from a pipe, FFmpeg
//   cannot check the final file's frame count against its size and trims neither: the stream and
//   the final file then decode to the same samples. Without the Info frame, FFmpeg would also
//   play the 1105 priming samples (25.06 ms at 44.1 kHz) at the start. Other decoders were not
//   measured: one that ignores the LAME tag plays those 1105 samples with the final file as with
//   the stream; one that trims only when it knows the frame count plays them with the stream only.
//
// A stream cut after any add() (a job that fails or is cancelled, a client that listens mid-job)
// is a valid file of the segments added so far: it decodes cleanly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "audio/mp3_frame.h"
#include "core/error.h"
#include "core/job.h"

namespace polyvox::audio {

class ProgressiveAssembler {
 public:
  // A stream of the `count` segments of a job whose output is `format`. REQUIRES: count >= 1.
  ProgressiveAssembler(OutputFormat format, std::size_t count);

  // Checks the next segment (index segments_added(): segments come in block order) and returns
  // the bytes to append to the stream for it: for segment 0 the stream's header first, then its
  // audio. The bytes depend only on this segment and the ones before it. Fails (kInternal,
  // "segment <index>: ...", as assemble_segments would for the same segment) when the segment is
  // corrupt or truncated, of another format than segment 0 (sample rate, channels, MPEG version),
  // not laid out for gapless assembly though not the last, or when all `count` segments were
  // added already; on failure the segment is not consumed and the state is unchanged (the caller
  // may end the stream, or add the right bytes). O(segment) time and memory. Thread-compatible.
  Result<std::string> add(std::string_view segment);

  // Ends the stream: returns the bytes that follow the last segment (none for MP3 and WAV).
  // Fails (kInternal) when fewer than `count` segments were added. A stream that must end early
  // (the job failed or was cancelled) just stops after its last add(): it is valid as it is.
  Result<std::string> finish();

  std::size_t segments_added() const { return added_; }

 private:
  Result<std::string> add_mp3(std::span<const uint8_t> file);
  Result<std::string> add_wav(std::span<const uint8_t> file);

  OutputFormat format_;
  std::size_t count_;
  std::size_t added_ = 0;
  std::optional<Mp3FrameHeader> mp3_stream_;  // segment 0's frame header (MP3)
  int64_t mp3_samples_ = 0;                   // frames * samples per frame so far (MP3)
  int wav_sample_rate_ = 0;                   // segment 0's rate (WAV)
};

}  // namespace polyvox::audio
