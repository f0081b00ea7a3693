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
#include "marks_contract.h"
#include "text/arabic_marks.h"
#include "text/embedded_diacritizer.h"

using polyvox::EmbeddedDiacritizer;
using polyvox::fuzz::check;
using polyvox::fuzz::check_only_marks_added;
using polyvox::fuzz::code_points;
namespace arabic = polyvox::arabic;

namespace {

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
