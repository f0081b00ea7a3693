// Splits of an Arabic word into clitics around a stem, shared by the lexicon's stem backoff
// (WordLexicon::find_stem) and a word_stems network's word ids (BilstmModel::word_id). Mirrors
// tools/train_diacritizer/arabic.py (STEM_PREFIXES, STEM_SUFFIXES, stem_splits): the two must
// list the same clitics in the same order, or C++ and Python read words differently.
#pragma once

#include <string>
#include <string_view>

#include "core/utf8.h"

namespace polyvox {

// The clitics, in the order they are tried: conjunctions, prepositions, the future s- and the
// article, alone or combined; the pronouns and the commonest endings of gender and number.
inline constexpr std::string_view kStemPrefixes[] = {
    "",    "و",   "ف",  "ب",  "ل",  "ك",  "س",  "ال", "وال", "فال",  "بال",  "كال", "لل",
    "ولل", "فلل", "وب", "ول", "وك", "فب", "فل", "وس", "فس",  "وبال", "وكال", "فبال"};
inline constexpr std::string_view kStemSuffixes[] = {"",   "ه",   "ها", "هما", "هم", "هن",
                                                     "ك",  "كما", "كم", "كن",  "ي",  "ني",
                                                     "نا", "ة",   "ات", "ون",  "ين", "ان"};

// Calls visit(prefix, stem) for each split of `word` (valid UTF-8) into a prefix of
// kStemPrefixes, a stem of two letters or more and a suffix of kStemSuffixes, not both clitics
// empty, in the lists' order (prefix, then suffix); before a suffix, a stem ending in ta' is
// visited a second time with ta' marbuta instead, right after. `stem` is valid during the call
// only. No allocation but the ta' marbuta form.
template <typename Visit>
void for_each_stem_split(std::string_view word, Visit&& visit) {
  constexpr std::string_view kTa = "ت", kTaMarbuta = "ة";
  const std::size_t letters = utf8_length(word);
  std::string form;
  for (const std::string_view prefix : kStemPrefixes) {
    if (!word.starts_with(prefix)) continue;
    for (const std::string_view suffix : kStemSuffixes) {
      if ((prefix.empty() && suffix.empty()) || !word.ends_with(suffix) ||
          letters < utf8_length(prefix) + utf8_length(suffix) + 2) {
        continue;
      }
      const std::string_view stem =
          word.substr(prefix.size(), word.size() - prefix.size() - suffix.size());
      visit(prefix, stem);
      if (!suffix.empty() && stem.ends_with(kTa)) {
        form.assign(stem.substr(0, stem.size() - kTa.size())).append(kTaMarbuta);
        visit(prefix, std::string_view(form));
      }
    }
  }
}

}  // namespace polyvox
