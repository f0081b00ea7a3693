// The Diacritizer contract (text/diacritizer.h) as fuzz targets check it: the output is the
// input with marks (U+064B..U+0652) inserted and nothing else changed, each inserted mark after
// an Arabic letter (behind the marks it was given, and past the other combining marks that
// follow it), at most one vowel and one shadda per letter, no vowel on a letter that carries
// one, nothing on a letter that carries two marks.
#pragma once

#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "fuzz_check.h"
#include "text/arabic_marks.h"

namespace polyvox::fuzz {

// Its own decoder, not core/utf8.h's next_code_point: an oracle independent of the code it
// checks. REQUIRES: polyvox::is_valid_utf8(text).
inline std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
    char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += 1 + extra;
  }
  return out;
}

inline bool is_vowel(char32_t cp) { return arabic::is_mark(cp) && cp != arabic::kShadda; }

// `output` is `input` with marks inserted after letters, as the top of this file says.
inline void check_only_marks_added(std::string_view input, std::string_view output) {
  check(polyvox::is_valid_utf8(output), "the output is UTF-8");
  const std::vector<char32_t> in = code_points(input);
  const std::vector<char32_t> out = code_points(output);
  std::size_t i = 0;
  // The letter the current run of marks (given, then added) follows, if any, and what it carries.
  bool after_letter = false;
  int added_on_letter = 0;
  bool has_vowel = false;
  bool has_shadda = false;
  int given_marks = 0;
  for (const char32_t cp : out) {
    if (i < in.size() && cp == in[i]) {  // the input's next character, copied
      ++i;
      if (arabic::is_mark(cp)) {
        check(added_on_letter == 0, "added marks follow the given ones");
        has_vowel = has_vowel || is_vowel(cp);
        has_shadda = has_shadda || cp == arabic::kShadda;
        ++given_marks;
      } else if (!arabic::is_other_mark(cp)) {  // a letter starts a run of marks, others end it
        after_letter = arabic::is_letter(cp);
        added_on_letter = 0;
        has_vowel = false;
        has_shadda = false;
        given_marks = 0;
      }
      continue;
    }
    check(arabic::is_mark(cp), "only the eight marks are inserted");
    check(after_letter, "an inserted mark follows an Arabic letter");
    check(++added_on_letter <= 2, "at most two marks are added to a letter");
    check(!(has_shadda && cp == arabic::kShadda), "one shadda on a letter at most");
    check(!(has_vowel && is_vowel(cp)), "no vowel is added to a letter that has one");
    has_vowel = has_vowel || is_vowel(cp);
    has_shadda = has_shadda || cp == arabic::kShadda;
    check(given_marks < 2, "nothing is added to a letter that has two marks");
  }
  check(i == in.size(), "every input character is in the output, in order");
}

}  // namespace polyvox::fuzz
