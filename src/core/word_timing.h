// Word timings: when each word of a block is heard. Providers that know report marks on their
// answer (positions in the text they were sent, times in their audio); the block pipeline maps
// them through its audio steps onto the words of the text the user wrote
// (worker/word_timer.h), and the manifest and the subtitles read them from the block's result.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

// Where the timings of a block come from: the engine's own word events or alignment, or
// pauses found in the block's audio (providers that report nothing).
inline constexpr std::string_view kTimingFromAudio = "audio";

// One word a provider placed: bytes [begin, end) of the text it was sent, heard from start_ms
// to end_ms of its answer's audio (end_ms < 0: not known, the next word's start or the end of
// the speech stands for it).
struct WordMark {
  std::size_t begin = 0;
  std::size_t end = 0;
  double start_ms = 0.0;
  double end_ms = -1.0;
  bool operator==(const WordMark&) const = default;
};

// What a provider reports with one answer: its marks in the order of the text, and its name for
// their source ("espeak", "flite", "elevenlabs", "kokoro").
struct SpeechMarks {
  std::string source;
  std::vector<WordMark> marks;
  bool operator==(const SpeechMarks&) const = default;

  // {"source", "marks": [[begin, end, start_ms, end_ms], ...]} and back, for the audio cache;
  // nullopt-like empty source for malformed text or marks outside a text of `text_bytes`.
  std::string to_json() const;
  static SpeechMarks from_json(std::string_view json, std::size_t text_bytes);
};

// A word of the block as the user wrote it (white space delimited, punctuation kept), heard from
// start_ms to end_ms after the block's start in the final file (the start of its speech).
struct WordTiming {
  std::string text;
  double start_ms = 0.0;
  double end_ms = 0.0;
  bool operator==(const WordTiming&) const = default;
};

struct BlockTimings {
  std::string source;  // "espeak", "flite", "elevenlabs", "kokoro", "audio"; empty: none known
  std::vector<WordTiming> words;
  bool operator==(const BlockTimings&) const = default;

  // {"timing_source", "words": [{"text", "start_ms", "end_ms"}]} (times with 3 decimals) and
  // back; from_json gives empty timings for malformed text. Both backends store this text.
  std::string to_json() const;
  static BlockTimings from_json(std::string_view json);
};

// Bytes [begin, end) of each white-space delimited word of `text`, in order. Pure.
struct WordSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};
std::vector<WordSpan> word_spans(std::string_view text);

// How a word ends its phrase: a sentence (. ! ? … and the Arabic and CJK question marks and
// full stop), a clause (, ; : — and the Arabic comma and semicolon), or neither; closing quotes
// and brackets after the punctuation do not hide it. Pure.
enum class PhraseEnd { kNone, kClause, kSentence };
PhraseEnd phrase_end(std::string_view word);

}  // namespace polyvox
