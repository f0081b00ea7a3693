// A remote diacritizer's answer put onto the text it was sent (text/mark_merge.h), as
// HttpDiacritizer does with whatever the server returns. The input is the text, a NUL byte and
// the answer (no NUL: the answer is the text itself); a text that is not UTF-8 is repaired first
// (merge_marks requires UTF-8 text: the service validates it before). Properties: the result is
// the text with marks inserted after letters and nothing else changed (marks_contract.h); its
// counts add up; an answer that is the text gives it back unchanged; merging the result again
// changes nothing (it is its own answer); an answer with the text's letters and any marks is
// "the same text".
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "fuzz_check.h"
#include "marks_contract.h"
#include "text/mark_merge.h"

using polyvox::merge_marks;
using polyvox::MergedMarks;
using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string text = polyvox::to_valid_utf8(input.substr(0, nul));
  const std::string_view answer =
      nul == std::string_view::npos ? std::string_view(text) : input.substr(nul + 1);

  const MergedMarks merged = merge_marks(text, answer);
  polyvox::fuzz::check_only_marks_added(text, merged.text);
  check(merged.letters_aligned <= merged.letters, "aligned letters are letters of the text");
  check(polyvox::fuzz::code_points(merged.text).size() ==
            polyvox::fuzz::code_points(text).size() + merged.marks_added,
        "the marks counted are the characters added");
  if (answer == text) {
    check(merged.text == text && merged.same_text, "the text as its own answer changes nothing");
    check(merged.letters_aligned == merged.letters, "and aligns every letter");
  }
  const MergedMarks again = merge_marks(text, merged.text);
  check(again.text == merged.text, "the result is its own answer");
  check(again.same_text, "the result is the same text as the text");
  return 0;
}
