// The work done once per block, wherever it runs (the CLI, an embedded worker, a worker node):
// text -> [diacritize] -> provider (text split to its request limit, parts spoken concurrently,
// each answer served from the audio cache when it can be, and checked) -> decode -> [time
// stretch] -> trim -> word timings -> loudness -> resample -> encoded segment. When the block's
// provider cannot speak it, the block's fallback voices are tried in order.
//
// Memory: a block's speech is held whole once, as compactly as it came (audio/speech_samples.h:
// a local voice's 16-bit PCM stays 16-bit); loudness, resampling and encoding stream it in chunks
// (audio/speech_segment.h), so a block costs about its answer and its encoded segment.
//
// A block's speed is asked of its provider within Provider::native_speed() (clamped to it); what
// remains (block speed / asked speed) is a pitch-preserving time stretch of the decoded speech
// (audio/time_stretch.h) before trim and loudness. The audio cache holds the provider's answer
// at the asked speed (the speed is part of its key); the stretch is redone on a hit.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "audio/loudness.h"
#include "audio/segment.h"
#include "audio/silence.h"
#include "core/cancel.h"
#include "core/cpu_slots.h"
#include "core/error.h"
#include "core/job.h"
#include "core/usage.h"
#include "core/word_timing.h"
#include "providers/audio_cache.h"
#include "providers/provider_registry.h"
#include "text/diacritizer.h"

namespace polyvox {

// Bounds on a plausible answer: its speech lasts between min and max milliseconds per letter of
// the text (plus a fixed allowance for the longer bound), both divided by the speed the provider
// was asked for (at 2.0 an answer lasts half as long). Outside them the answer is treated as
// skipped or truncated audio: a retryable failure.
struct AnswerCheck {
  double min_ms_per_letter = 20.0;   // ANSWER_MIN_MS_PER_CHAR
  double max_ms_per_letter = 500.0;  // ANSWER_MAX_MS_PER_CHAR
  double max_extra_ms = 2000.0;
};

struct RenderOptions {
  audio::SegmentOptions segment;  // final codec and sample rate
  audio::TrimOptions trim;
  audio::LoudnessTarget loudness;
  AnswerCheck answer;
  // Word timings of each block (RenderedBlock::timings; WORD_TIMINGS): from the provider's word
  // marks when it gives them (asked for with SynthesisRequest::word_marks, kept in the audio
  // cache beside the answer), else from the pauses in the block's audio (worker/word_timer.h).
  bool word_timings = true;
};

// Where a block is rendered and what it may use.
struct BlockContext {
  const ProviderRegistry* providers = nullptr;  // REQUIRED
  Diacritizer* diacritizer = nullptr;           // REQUIRED
  AudioCache* cache = nullptr;                  // optional
  RenderOptions options;
  bool first = false;  // the job's first block (room tone before it, by profile)
  bool last = false;   // the job's final block (its segment carries the end padding)
  // The job's delivery profile: the loudness target of its speech (kServer: options.loudness;
  // kNone: none) and the room tone the audiobook profile puts before the first block's speech
  // and after the last one's (its pause raised to the profile's tail, within its bounds).
  DeliveryProfile profile = DeliveryProfile::kServer;
  bool final_attempt = true;  // a transient failure moves on to the fallbacks instead of
                              // being returned for a later retry
  std::string previous_text;  // neighbouring blocks of the same provider and voice
  std::string next_text;
  const CancelToken* cancel = nullptr;
  // Optional: the decoding of answers and the audio pipeline after the provider run on one of
  // these slots (core/cpu_slots.h says why); null = no bound.
  CpuSlots* audio_slots = nullptr;
};

struct RenderedBlock {
  audio::EncodedSegment segment;
  std::string provider;  // who finally spoke
  std::string voice_id;
  audio::LoudnessReport loudness;
  std::vector<ProviderUsage> usage;  // what rendering it cost, per provider asked
  std::string spoken_text;           // an Arabic block's diacritized text; else empty
  // The words of block.text and when each is heard, relative to the start of the segment's
  // speech (which is where the block starts in the final file); empty when word timings are off.
  BlockTimings timings;
};

// Renders one block into its segment. Fails with the block's error, whose kind says whether a
// later retry may help (providers/retry_policy.h); the message names each provider tried and
// what it said. `spent`, when not null, receives what the attempt cost per provider asked
// (calls that reached the vendor, characters, cache hits, failures) whether it succeeded or
// not: vendors bill failed calls too. Thread-safe for distinct blocks.
Result<RenderedBlock> render_block(const BlockSpec& block, const BlockContext& context,
                                   std::vector<ProviderUsage>* spent = nullptr);

// Letters of `text` that take time to speak: everything but white space, punctuation and
// Arabic diacritics.
std::size_t spoken_letters(std::string_view text);

}  // namespace polyvox
