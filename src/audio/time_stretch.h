// Pitch-preserving change of tempo of decoded speech: FFmpeg's libavfilter, its rubberband
// filter when this FFmpeg was built with it (Debian's is), its atempo filter otherwise. The
// block pipeline uses it for the part of a block's speed its provider cannot make itself.
#pragma once

#include <string>

#include "audio/pcm.h"
#include "core/error.h"

namespace polyvox::audio {

enum class StretchFilter {
  kBest,        // rubberband when present, else atempo (checked once, at first use)
  kRubberband,  // the Rubber Band library: the better quality for speech
  kAtempo,      // FFmpeg's own WSOLA: always present, cheaper
};

// The filter kBest means in this process ("rubberband" or "atempo"), or why libavfilter cannot
// be used (kInternal). Loads the module on first use. Thread-safe.
Result<std::string> best_stretch_filter();

// `pcm` played `tempo` times as fast (2.0: half as many samples, exactly: the length is
// rounded), at the same rate and pitch; the filters may move the sound by a few tens of
// milliseconds within it. REQUIRES: tempo > 0. Returns `pcm` unchanged when
// tempo is 1 or `pcm` is empty. kInternal when libavfilter cannot be loaded, the filter is
// missing or fails. Thread-safe (a filter graph per call).
Result<PcmBuffer> time_stretch(PcmBuffer pcm, double tempo,
                               StretchFilter filter = StretchFilter::kBest);

}  // namespace polyvox::audio
