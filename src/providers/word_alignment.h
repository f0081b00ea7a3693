// Word marks (core/word_timing.h) from what cloud vendors send beside their audio: a timed list
// of words (Kokoro-FastAPI's captioned speech) or of characters (ElevenLabs' /with-timestamps),
// found in the text the vendor was sent, in order. Vendors may normalize what they echo (drop
// punctuation, change case of nothing, skip characters): an entry that cannot be found near
// where the previous one ended is left out, and the block pipeline places the words no mark
// touches between their neighbours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/word_timing.h"

namespace polyvox {

struct TimedText {
  std::string text;  // a word or a character, as the vendor echoed it
  double start_s = 0.0;
  double end_s = 0.0;
};

// Marks over `text` for `entries`, each looked for from the end of the previous one found, at
// most `window` bytes ahead (so that a missing entry does not swallow the rest of the text).
// Entries that are empty, white space only, or with times that are not finite, non-negative and
// ordered are left out. Pure.
SpeechMarks marks_from_timed_text(std::string source, std::string_view text,
                                  const std::vector<TimedText>& entries, std::size_t window);

}  // namespace polyvox
