// Encoding 16-bit mono PCM into a compressed output format (flac, opus, aac, m4a) with FFmpeg's
// libavcodec and libavformat (Debian's build: the flac encoder and muxer, libopus and the ogg
// muxer, the native aac encoder with the adts and ipod (M4A) muxers). Used ONCE per job for its
// final file (final_encoder.h), for a block's audio on request, and for the progressive stream.
// The implementation lives in the lazily loaded FFmpeg module (ffmpeg_module.h), so this header
// names no FFmpeg type.
//
// Priming (encoder delay) of each codec and how it is compensated:
//   flac  none: the decoded samples are the input samples exactly.
//   opus  libopus's lookahead, 312 samples at 48 kHz, written as the Ogg Opus pre-skip; the last
//         page's granule position trims the padding of the last frame: a decoder that follows
//         RFC 7845 (FFmpeg does) returns the input samples exactly.
//   m4a, m4b  the aac encoder's 1024 samples, skipped by an MP4 edit list (elst media_time 1024)
//   whose
//         duration also trims the last frame's padding: exact with FFmpeg; players that ignore
//         edit lists play 1024 samples of priming first.
//   aac   ADTS has no place to declare priming or padding: decoders play the 1024 priming samples
//         first (every position is 1024 samples later than the manifest says) and the last frame
//         up to its end (at most 1023 samples of padding more).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/chapters.h"
#include "core/error.h"
#include "core/output_format.h"

namespace polyvox::audio {

// Whether `format` is encoded by AudioEncoder (flac, opus, aac, m4a, m4b).
bool needs_encoder(OutputFormat format);

// Where an encoder's output goes.
enum class EncoderSink {
  kFile,    // `path` (seekable): FLAC with its total length and MD5, M4A with the index first
            // (faststart)
  kMemory,  // a seekable buffer, taken whole after finish(): as kFile, M4A index last
  kStream,  // bytes as they are produced, never rewritten: FLAC with unknown length, M4A as
            // fragmented MP4 (an empty index first, then one fragment per flush)
};

// A cover picture for an MP4 file (m4a, m4b): PNG or JPEG bytes.
struct CoverArt {
  std::string bytes;  // empty: none
  bool png = false;   // else JPEG
  int width = 0;      // pixels; REQUIRED with bytes
  int height = 0;
};

struct EncoderSettings {
  AudioOutput output;  // REQUIRES: needs_encoder(output.format), a rate the format accepts
  EncoderSink sink = EncoderSink::kMemory;
  std::string path;  // kFile only: created or truncated
  // kFile and kMemory only. Chapters (times in samples of output.sample_rate) go into m4a/m4b as
  // MP4 chapters (a chapter text track and a Nero chpl atom) and into opus as CHAPTERxxx /
  // CHAPTERxxxNAME comments (whole milliseconds); flac and aac carry none.
  std::vector<Chapter> chapters;
  CoverArt cover;  // m4a and m4b only: an attached picture ("covr")
};

class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;

  // Encodes `samples` (mono, signed 16-bit, at the output rate) after those added before.
  // kStream: everything the codec has completed so far is then ready for take() (a codec keeps
  // its lookahead, about a frame, until more samples or finish()). Fails (kInternal, or kIo for a
  // file that cannot be written); the encoder is then unusable.
  virtual Status add(std::span<const int16_t> samples) = 0;

  // Ends the stream: the codec's last frames and the container's trailer. Once.
  virtual Status finish() = 0;

  // kStream: the bytes produced since the last take(). kMemory: the whole file; REQUIRES:
  // finish() succeeded. kFile: always empty.
  virtual std::string take() = 0;

  // Samples of codec priming at the start of the stream (see above); 0 for flac.
  virtual int64_t priming_samples() const = 0;
};

// An encoder for `settings`. Fails (kInternal) when FFmpeg or its module lacks the codec or
// muxer, or rejects the rate or bitrate; (kIo) when the file cannot be created. Each encoder is
// used by one thread at a time; any number may run at once.
Result<std::unique_ptr<AudioEncoder>> open_encoder(const EncoderSettings& settings);

// Convenience: `samples` encoded whole into a kMemory file.
Result<std::string> encode_to_memory(const AudioOutput& output, std::span<const int16_t> samples);

}  // namespace polyvox::audio
