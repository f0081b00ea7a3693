// The embedded diacritizer (text/embedded_diacritizer.h, the committed model and lexicon of
// models/) on arbitrary text, as a user's Arabic block or `POST /diacritize` gives it: text that
// is not UTF-8 is refused with a message; otherwise the output is the input with marks
// (U+064B..U+0652) inserted and nothing else changed, each inserted mark after an Arabic letter
// (behind its given marks), at most one vowel and one shadda per letter, no vowel on a letter
// that carries one, nothing on a letter that carries two marks; `explain_line` writes what
// `diacritize_line` writes, and each word it explains is made of letters and marks. Lines run one
// after the other in one process, so the network's working memory kept across lines (grown and
// shrunk to each segment) is exercised too.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "fuzz_check.h"
#include "text/arabic_marks.h"
#include "text/embedded_diacritizer.h"

using polyvox::EmbeddedDiacritizer;
using polyvox::fuzz::check;
namespace arabic = polyvox::arabic;

namespace {

// REQUIRES: polyvox::is_valid_utf8(text).
std::vector<char32_t> code_points(std::string_view text) {
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

bool is_vowel(char32_t cp) { return arabic::is_mark(cp) && cp != arabic::kShadda; }

// `output` is `input` with marks inserted after letters, as the header above says.
void check_only_marks_added(std::string_view input, std::string_view output) {
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

// A word as explain_line tells it: letters with their marks, at least one letter.
bool is_word(std::string_view word) {
  bool letter = false;
  for (const char32_t cp : code_points(word)) {
    if (arabic::is_letter(cp)) {
      letter = true;
    } else if (!arabic::is_mark(cp) && !arabic::is_other_mark(cp)) {
      return false;
    }
  }
  return letter;
}

EmbeddedDiacritizer& diacritizer() {
  static const std::unique_ptr<EmbeddedDiacritizer> loaded = [] {
    const std::string dir = POLYVOX_FUZZ_MODELS_DIR;
    auto made = EmbeddedDiacritizer::create(dir + "/" + EmbeddedDiacritizer::kModelFile,
                                            dir + "/" + EmbeddedDiacritizer::kLexiconFile);
    check(made.ok(), "the committed model and lexicon load");
    return std::move(made).value();
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  EmbeddedDiacritizer& d = diacritizer();
  auto result = d.diacritize(text);
  if (!polyvox::is_valid_utf8(text)) {
    check(!result.ok(), "text that is not UTF-8 is refused");
    check(result.error().kind == polyvox::ErrorKind::kInvalidInput, "as invalid input");
    check(!result.error().message.empty(), "with a message");
    return 0;
  }
  check(result.ok(), "UTF-8 text is diacritized");
  check_only_marks_added(text, result.value());

  // Line by line, with explanations: the same marks.
  std::string_view rest = text;
  std::vector<EmbeddedDiacritizer::WordChoice> words;
  std::string joined;
  while (true) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    const std::string plain = d.diacritize_line(line);
    joined += plain;
    check(d.explain_line(line, words) == plain, "explain_line writes what diacritize_line writes");
    for (const auto& word : words) {
      check(is_word(word.word), "an explained word is letters and their marks");
      check(is_word(word.network_word), "so is the network's version of it");
      check(word.network_confidence >= 0 && word.network_confidence <= 1.0001,
            "the network's confidence is a probability");
    }
    if (end == rest.size()) break;
    joined += '\n';
    rest.remove_prefix(end + 1);
  }
  check(joined == result.value(), "a text is diacritized line by line");
  return 0;
}
