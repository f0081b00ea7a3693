#include "providers/word_alignment.h"

#include <cmath>

namespace polyvox {

SpeechMarks marks_from_timed_text(std::string source, std::string_view text,
                                  const std::vector<TimedText>& entries, std::size_t window) {
  SpeechMarks out;
  out.source = std::move(source);
  std::size_t cursor = 0;
  for (const TimedText& e : entries) {
    if (e.text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    if (!std::isfinite(e.start_s) || !std::isfinite(e.end_s) || e.start_s < 0 ||
        e.end_s < e.start_s) {
      continue;
    }
    const std::size_t at = text.find(e.text, cursor);
    if (at == std::string_view::npos || at - cursor > window) continue;
    cursor = at + e.text.size();
    out.marks.push_back({at, cursor, 1000.0 * e.start_s, 1000.0 * e.end_s});
  }
  return out;
}

}  // namespace polyvox
