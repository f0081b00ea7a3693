// Segments: one block's speech plus its pause, encoded on its own in the final codec so that
// assembly is a byte-level concatenation. How a segment is laid out so that the assembled file's
// timing is exact for any number of segments is decided here (see plan_mp3_segment).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/error.h"
#include "core/job.h"

namespace polyvox::audio {

// MPEG-1 Layer III with LAME: every frame holds 1152 samples; LAME primes the stream with 576
// samples (encoder delay) and always ends it with at least 577 samples of padding, so a stream of
// F frames carries at most F*1152 - 1153 input samples.
inline constexpr int64_t kMp3FrameSamples = 1152;
inline constexpr int64_t kLameEncoderDelay = 576;
inline constexpr int64_t kLameMinPadding = 577;
inline constexpr int64_t kSegmentGap = kLameEncoderDelay + kLameMinPadding;

// How an MP3 segment is encoded.
//
// Decoded from a concatenation of independently encoded streams, a segment of F frames occupies
// exactly F*1152 samples of the timeline; its input starts kLameEncoderDelay samples (plus the
// decoder's own delay, the same for every segment) into them and is followed by padding. So a
// segment that is not the last one is laid out to occupy exactly speech + pause samples: speech
// is extended with trailing silence to make speech + pause a multiple of 1152, and the encoder is
// fed kSegmentGap samples less than that (cut from the pause's digital silence, or from the
// speech's own quiet tail when the pause is shorter), which the encoder's priming and padding
// fill with silence. Positions therefore never drift, whatever the number of segments. The last
// segment is encoded whole; the file's single Info tag declares its padding.
struct Mp3SegmentPlan {
  int64_t speech_samples = 0;  // speech as it sounds in the file (>= input speech)
  int64_t pause_samples = 0;   // silence after it (== requested pause)
  int64_t input_samples = 0;   // samples fed to the encoder
  int64_t frames = 0;          // audio frames the encoder must produce; 0 for the last segment
};

// `frames` counts frames of `frame_samples`: 1152 (MPEG-1, 32 kHz and above) or 576 (MPEG-2,
// 22.05 and 24 kHz); the timeline is a multiple of 1152 either way.
// REQUIRES: speech >= 0, 0 <= quiet_tail <= speech, pause >= 0. Pure.
Mp3SegmentPlan plan_mp3_segment(int64_t speech, int64_t quiet_tail, int64_t pause, bool last,
                                int64_t frame_samples = kMp3FrameSamples);

// Samples per MP3 frame at `sample_rate`: 576 below 32 kHz (MPEG-2), else 1152.
inline int64_t mp3_frame_samples(int sample_rate) {
  return sample_rate < 32000 ? kMp3FrameSamples / 2 : kMp3FrameSamples;
}

struct SegmentOptions {
  // The job's output format: MP3 segments for mp3, WAV (16-bit PCM) segments for every other
  // format, kept lossless until the final encode (final_encoder.h).
  OutputFormat format = OutputFormat::kMp3;
  int sample_rate = 44100;
  int mp3_bitrate_kbps = 128;  // constant bitrate, mono
  int mp3_quality = 5;         // LAME's algorithm quality, 0 (best) .. 9 (fastest)
};

struct EncodedSegment {
  std::string bytes;  // a standalone, playable file (MP3 with a LAME Info tag, or WAV)
  int64_t speech_samples = 0;
  int64_t pause_samples = 0;
};

// A segment encoded as its speech arrives in chunks (the block pipeline streams a block's speech
// into it instead of holding it whole): the same bytes as encode_segment of the whole speech.
// Only the segment's own bytes are held, reserved once at about their final size. Not
// thread-safe.
class SegmentEncoder {
 public:
  // A segment of `speech_samples` samples of speech (all that add() will be given), then
  // `pause_samples` of silence; `quiet_tail` and `last` as for encode_segment. kInternal when the
  // MP3 encoder cannot be set up.
  static Result<SegmentEncoder> start(int64_t speech_samples, int64_t quiet_tail,
                                      int64_t pause_samples, bool last,
                                      const SegmentOptions& options);
  SegmentEncoder(SegmentEncoder&&) noexcept;
  SegmentEncoder& operator=(SegmentEncoder&&) noexcept;
  ~SegmentEncoder();

  // The next samples of speech. REQUIRES: no more than speech_samples in all.
  Status add(std::span<const float> speech);
  // The segment. REQUIRES: speech_samples were added; called once.
  Result<EncodedSegment> finish();

 private:
  struct State;
  explicit SegmentEncoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Encodes `speech` (mono, options.sample_rate) followed by `pause_samples` of digital silence.
// `quiet_tail` is how many of the last speech samples are silence that may be shortened; `last`
// says whether this is the job's final segment. Thread-safe (each call owns its encoder).
Result<EncodedSegment> encode_segment(std::span<const float> speech, int64_t quiet_tail,
                                      int64_t pause_samples, bool last,
                                      const SegmentOptions& options);

}  // namespace polyvox::audio
