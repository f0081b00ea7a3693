// The diacritizer's lexicon reader (text/word_lexicon.h) on arbitrary text: it fails cleanly or
// gives a lexicon whose words' candidates are patterns of class ids 0..14 with counts, whose
// network margins are >= 0 and whose priors can be computed for any neighbours; a word with
// clitics around one of its words finds stem patterns inside the word.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "fuzz_check.h"
#include "text/word_lexicon.h"

using polyvox::WordLexicon;
using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lexicon = WordLexicon::parse(text, "fuzz.lexicon");
  if (!lexicon) {
    check(!lexicon.error().message.empty(), "a rejected file gets a message");
    return 0;
  }
  // Every word of the input (the text before a tab on each line), with varied neighbours.
  std::string_view rest = text.substr(std::min(text.find('\n'), text.size()));
  while (!rest.empty()) {
    rest.remove_prefix(1);
    const std::string_view line = rest.substr(0, std::min(rest.find('\n'), rest.size()));
    rest.remove_prefix(line.size());
    const std::string_view word = line.substr(0, std::min(line.find('\t'), line.size()));
    const auto found = lexicon->find(word);
    check(lexicon->network_margin(found) >= 0, "a network margin is a number >= 0 or infinite");
    for (std::size_t k = 0; k < found.patterns.size(); ++k) {
      const auto& pattern = found.patterns[k];
      check(pattern.count > 0, "a pattern has a count");
      for (const char c : pattern.classes) {
        check(c >= 0 && c < 15, "a pattern holds class ids");
      }
      for (const std::string_view neighbour :
           {WordLexicon::kLineStart, word, std::string_view("x")}) {
        (void)lexicon->prior(found, k, neighbour, WordLexicon::kLineEnd);
      }
    }
    for (const std::string& wrapped :
         {std::string(word), "و" + std::string(word) + "هم", "وال" + std::string(word)}) {
      const auto stem = lexicon->find_stem(wrapped, 0);
      const std::size_t letters = polyvox::utf8_length(wrapped);
      for (const auto& pattern : stem.patterns) {
        check(stem.offset + pattern.classes.size() < letters, "a stem's inner letters are inside");
        for (const char c : pattern.classes) {
          check(c >= 0 && c < 15, "a stem pattern holds class ids");
        }
      }
    }
  }
  return 0;
}
