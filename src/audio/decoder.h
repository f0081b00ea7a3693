// Decoding of whatever a provider returns into mono float PCM at the source's own rate.
#pragma once

#include "audio/pcm.h"
#include "core/error.h"

namespace polyvox::audio {

// Decodes `audio` (see AudioEncoding) to mono float PCM, down-mixing multichannel input.
// Fails with kSynthesisFailed ("undecodable audio: ...") when the bytes are not audio, are
// truncated past recovery or produce a decoder error. Thread-safe (no shared state).
Result<PcmBuffer> decode_audio(const EncodedAudio& audio);

// Converts `pcm` to `target_rate` (band-limited resampling). Returns the input unchanged when
// the rates match. Thread-safe.
Result<PcmBuffer> resample(PcmBuffer pcm, int target_rate);

}  // namespace polyvox::audio
