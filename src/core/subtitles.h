// Subtitles of a rendered job: WebVTT and SubRip cues made from the manifest's word timings
// (core/manifest.h), for GET /result/{id}/subtitles.vtt|.srt and `polyvox synth --subtitles`.
//
// Cues follow the usual broadcast rules: a cue starts at a sentence (a long sentence is cut at
// clause punctuation, else between words), holds at most kMaxCueLines lines of at most
// kMaxLineChars characters and lasts at most kMaxCueMs; it lasts at least kMinCueMs unless its
// block's speech is shorter; no cue crosses a block boundary. The text is the block's as the user
// wrote it (right-to-left text is left as it is: players lay it out).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/word_timing.h"

namespace polyvox {

inline constexpr std::size_t kMaxLineChars = 42;  // code points
inline constexpr std::size_t kMaxCueLines = 2;
inline constexpr double kMaxCueMs = 7000.0;
inline constexpr double kMinCueMs = 1000.0;

// One block as the subtitles see it: where its speech is in the file and its words (relative to
// offset_ms), and who speaks it.
struct SubtitleBlock {
  double offset_ms = 0.0;
  double speech_ms = 0.0;
  std::string speaker;
  std::vector<WordTiming> words;
};

struct Cue {
  double start_ms = 0.0;  // in the file
  double end_ms = 0.0;
  std::size_t block = 0;  // index of its block
  std::string speaker;
  std::vector<std::string> lines;
};

// The blocks of a stored manifest (Manifest::to_json with words) with their speakers: each
// block's `speaker`, else the voice the user asked for, else (when that was "default") the voice
// the manifest names. kInternal when the manifest is not one or does not match `blocks`.
Result<std::vector<SubtitleBlock>> subtitle_blocks(std::string_view manifest_json,
                                                   const std::vector<BlockSpec>& blocks);

// The cues of `blocks`, in time order. Pure.
std::vector<Cue> make_cues(const std::vector<SubtitleBlock>& blocks);

// "WEBVTT" and one cue after another, numbered from 1, times HH:MM:SS.mmm, each cue's text in a
// voice span <v Speaker> (speaker and text escaped: & < > as &amp; &lt; &gt;). Pure.
std::string to_webvtt(const std::vector<Cue>& cues);
// SubRip: numbered cues, times HH:MM:SS,mmm, plain text (no voice tags). Pure.
std::string to_srt(const std::vector<Cue>& cues);

}  // namespace polyvox
