// The job model: an ordered script of text blocks, each with its provider, voice and pause,
// rendered into one audio file. Plain data, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/delivery_profile.h"
#include "core/output_format.h"

namespace polyvox {

// A provider and one of its voices.
struct VoiceChoice {
  std::string provider;
  std::string voice = "default";
  bool operator==(const VoiceChoice&) const = default;
};

// Bounds of BlockSpec::speed (OpenAI's range for `speed`).
inline constexpr double kMinBlockSpeed = 0.25;
inline constexpr double kMaxBlockSpeed = 4.0;
// The bounds as error messages state them.
inline constexpr const char* kBlockSpeedRangeText = "between 0.25 and 4.0";
// Longest BlockSpec::speaker, in code points.
inline constexpr std::size_t kMaxSpeakerChars = 100;
// Longest JobSpec::project_id, in code points: it is repeated in every listing of the job, its
// events and its webhooks.
inline constexpr std::size_t kMaxProjectIdChars = 256;

// Bound of BlockSpec::instructions, in code points (OpenAI's bound of its input).
inline constexpr std::size_t kMaxBlockInstructionsChars = 4096;
// Longest chapter title, in Unicode code points.
inline constexpr std::size_t kMaxChapterTitleChars = 200;

struct BlockSpec {
  std::string text;                   // trimmed, non-empty, valid UTF-8
  int wait_after_ms = 0;              // digital silence after the block's speech
  std::string provider;               // provider name as configured (e.g. "espeak")
  std::string voice = "default";      // as the user wrote it; providers resolve it
  bool arabic = false;                // diacritize before synthesis
  std::vector<VoiceChoice> fallback;  // tried in order when the provider cannot speak the block
  bool cache = true;                  // false: never served from nor stored in the audio cache
  // Pace of the speech: 2.0 takes half the time of 1.0, 0.5 twice as long; pitch unchanged.
  // kMinBlockSpeed..kMaxBlockSpeed. Asked of the provider within its native range, the rest
  // made by a time stretch (worker/block_renderer.h).
  double speed = 1.0;
  // How the voice should speak (tone, accent, emotion, pace in words), for providers that take
  // instructions (Provider::takes_instructions: the OpenAI kind); the others ignore it. Empty:
  // the provider's configured instructions, if any. At most kMaxBlockInstructionsChars code
  // points, valid UTF-8.
  std::string instructions;
  // Who speaks the block, for subtitles (WebVTT voice tags); empty: the voice's name. At most
  // kMaxSpeakerChars code points, no line breaks.
  std::string speaker;
  // A chapter starts at this block, with this title (trimmed, 1..kMaxChapterTitleChars code
  // points, no control characters); empty: the block continues the chapter before it.
  std::string chapter;
  bool operator==(const BlockSpec&) const = default;
};

struct JobSpec {
  std::string project_id;  // free-form, may be empty; at most kMaxProjectIdChars, no control chars
  OutputFormat output_format = OutputFormat::kMp3;
  // 0: not given, the default applies (core/output_format.h: effective_sample_rate and
  // effective_bitrate_kbps); otherwise within check_output_settings' bounds for the format.
  int sample_rate = 0;
  int bitrate_kbps = 0;  // lossy formats only
  std::vector<BlockSpec> blocks;
  // Where the job's end is POSTed (core/webhook_url.h says what is valid); empty: no webhook.
  std::string webhook_url;
  // The loudness the final file is made to and checked against (core/delivery_profile.h).
  DeliveryProfile profile = DeliveryProfile::kServer;
  // The cover image of an m4a/m4b file (other formats ignore it): a cover the job's owner
  // uploaded, by its path on this service, "/covers/<64 hex digits>.<png|jpg>"
  // (core/cover_ref.h); empty: none. Never a URL of another host.
  std::string cover_url;
  // Someone is waiting for this job now (a preview, the OpenAI-compatible speech endpoint):
  // its tasks are claimed in the interactive lane, ahead of every batch job's (still in turn
  // between users). Set by the route that accepts the job, never by the job's JSON; jobs of at
  // most INTERACTIVE_MAX_BLOCKS blocks are claimed in that lane whatever it says
  // (claims_interactively). Stored with the job by every JobStore.
  bool interactive = false;
};

// True when `spec`'s tasks belong in the interactive lane: marked interactive by its route, or
// no longer than `interactive_max_blocks` blocks.
inline bool claims_interactively(const JobSpec& spec, std::size_t interactive_max_blocks) {
  return spec.interactive || spec.blocks.size() <= interactive_max_blocks;
}

// Validation limits; every default is the documented one.
struct JobLimits {
  std::size_t max_blocks = 1000;      // at least 1 block is always required
  std::size_t max_text_chars = 5000;  // Unicode code points, after trimming
  int max_pause_ms = 60000;           // wait_after_ms range is 0..max_pause_ms
  std::size_t max_fallbacks = 5;      // entries of a block's "fallback"
  // MAX_JOB_PAUSE_SECONDS, in ms: the most a job's wait_after_ms may add up to. Silence costs
  // nothing to ask for and a lot to render, store and serve.
  int64_t max_total_pause_ms = int64_t{3600} * 1000;
};

}  // namespace polyvox
