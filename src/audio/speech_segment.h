// The audio half of a block's pipeline once its speech is found: loudness, resampling to the
// output rate and encoding of the segment, without holding the speech anywhere but where it
// already is. The loudness is planned in passes over the speech (loudness.h: plan_loudness), then
// one last pass takes it through the planned gains and limiters, the resampler and the segment
// encoder chunk by chunk. The segment is the one normalize_loudness, resample and encode_segment
// make of the speech held whole, sample for sample.
#pragma once

#include <cstdint>

#include "audio/loudness.h"
#include "audio/segment.h"
#include "audio/silence.h"
#include "audio/speech_samples.h"
#include "core/error.h"

namespace polyvox::audio {

struct SpeechSegment {
  EncodedSegment segment;
  LoudnessReport loudness;
};

// The segment of `speech` within `bounds` (find_speech: [begin, end) kept, its quiet tail),
// normalized to `loudness`, at options.sample_rate, followed by `pause_samples` (at that rate) of
// silence; `last`: the job's final segment (encode_segment). Thread-safe for distinct speech.
Result<SpeechSegment> encode_speech_segment(const SpeechSamples& speech, const SpeechBounds& bounds,
                                            int64_t pause_samples, bool last,
                                            const LoudnessTarget& loudness,
                                            const SegmentOptions& options);

}  // namespace polyvox::audio
