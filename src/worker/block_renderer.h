// The work done once per block, wherever it runs (the CLI, an embedded worker, a worker node):
// text -> [diacritize] -> provider -> decode -> trim -> loudness -> resample -> encoded segment.
#pragma once

#include <cstddef>
#include <string>

#include "audio/loudness.h"
#include "audio/segment.h"
#include "audio/silence.h"
#include "core/error.h"
#include "core/job.h"
#include "providers/provider.h"
#include "text/diacritizer.h"

namespace polyvox {

struct RenderOptions {
  audio::SegmentOptions segment;   // final codec and sample rate
  audio::TrimOptions trim;
  audio::LoudnessTarget loudness;
};

struct RenderedBlock {
  audio::EncodedSegment segment;
  std::string provider;  // who finally spoke
  std::string voice_id;
  audio::LoudnessReport loudness;
};

// Renders one block into its segment. `last` is true for the job's final block (its segment
// carries the file's end padding). Fails with the block's error: kSynthesisFailed when the
// provider fails or returns silent or undecodable audio, kUnknownVoice when the voice vanished.
// Thread-safe for distinct blocks.
Result<RenderedBlock> render_block(const BlockSpec& block, bool last, Provider& provider,
                                   Diacritizer& diacritizer, const RenderOptions& options);

}  // namespace polyvox
