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
// PCM (pcm): each segment's samples, raw s16le mono; the stream's bytes are the final file's.
//
// FLAC, Ogg Opus, ADTS AAC, M4A (the encoded formats, whose segments are lossless WAV): each
// segment's samples are fed, in order, to ONE streaming encoder (audio_encoder.h, kStream), and
// add() returns what it has completed: FLAC frames after a STREAMINFO without total length,
// Ogg pages (flushed at each segment), ADTS frames, or for M4A a fragmented MP4 (an empty moov,
// then one moof+mdat fragment per segment). finish() flushes the codec's lookahead and writes
// the trailer. The stream is encoded apart from the final file by the same encoder with the same
// settings and the same frames of input, so it carries the same packets: FLAC, Ogg Opus (with the
// same pre-skip and end granule) and ADTS decode to exactly the final file's samples (measured
// with FFmpeg 5.1). Fragmented M4A carries the same AAC frames but no edit list (FFmpeg 5.1's
// fragmented muxer writes none), so, as with ADTS, decoders play the 1024 priming samples first
// and the last frame whole: the final M4A's samples preceded by 1024 samples of priming.
//
// A stream cut after any add() (a job that fails or is cancelled, a client that listens mid-job)
// is a valid file of the segments added so far: it decodes cleanly. For the encoded formats the
// codec's lookahead (up to one frame of the last segment added: 20 ms Opus, 1024 samples AAC,
// one FLAC block) is missing from such a cut stream, since only finish() flushes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "audio/mp3_frame.h"
#include "core/error.h"
#include "core/job.h"

namespace polyvox::audio {

class AudioEncoder;  // audio_encoder.h

class ProgressiveAssembler {
 public:
  // A stream of the `count` segments of a job whose output is `format`; `bitrate_kbps` is the
  // job's (0: the format's default) and matters only to the encoded formats, whose rate is
  // segment 0's. REQUIRES: count >= 1.
  ProgressiveAssembler(OutputFormat format, std::size_t count, int bitrate_kbps = 0);
  ~ProgressiveAssembler();
  ProgressiveAssembler(const ProgressiveAssembler&) = delete;
  ProgressiveAssembler& operator=(const ProgressiveAssembler&) = delete;

  // Checks the next segment (index segments_added(): segments come in block order) and returns
  // the bytes to append to the stream for it: for segment 0 the stream's header first, then its
  // audio. The bytes depend only on this segment and the ones before it. Fails (kInternal,
  // "segment <index>: ...", as assemble_segments would for the same segment) when the segment is
  // corrupt or truncated, of another format than segment 0 (sample rate, channels, MPEG version),
  // not laid out for gapless assembly though not the last, or when all `count` segments were
  // added already; on failure the segment is not consumed and the state is unchanged (the caller
  // may end the stream, or add the right bytes), except that an encoder failure (kInternal,
  // encoded formats) leaves the stream unusable. O(segment) time and memory. Thread-compatible.
  Result<std::string> add(std::string_view segment);

  // Ends the stream: returns the bytes that follow the last segment (none for MP3, WAV and PCM;
  // the codec's last frames and the trailer for the encoded formats).
  // Fails (kInternal) when fewer than `count` segments were added. A stream that must end early
  // (the job failed or was cancelled) just stops after its last add(): it is valid as it is.
  Result<std::string> finish();

  std::size_t segments_added() const { return added_; }

 private:
  Result<std::string> add_mp3(std::span<const uint8_t> file);
  // WAV segments: wav and pcm copy the samples, the encoded formats encode them.
  Result<std::string> add_wav(std::span<const uint8_t> file);
  Result<std::string> encode(std::span<const uint8_t> samples, int sample_rate);

  OutputFormat format_;
  int bitrate_kbps_;
  std::size_t count_;
  std::size_t added_ = 0;
  std::optional<Mp3FrameHeader> mp3_stream_;  // segment 0's frame header (MP3)
  int64_t mp3_samples_ = 0;                   // frames * samples per frame so far (MP3)
  int wav_sample_rate_ = 0;                   // segment 0's rate (WAV segments)
  std::unique_ptr<AudioEncoder> encoder_;     // encoded formats, from segment 0
};

}  // namespace polyvox::audio
