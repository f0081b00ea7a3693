// The diacritizer's word lexicon: for each word of the training text, the patterns of marks seen
// on its letters other than the last, with their counts. Written by
// tools/train_diacritizer/lexicon.py (format described there).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace polyvox {

class WordLexicon {
 public:
  struct Pattern {
    std::string classes;  // one class id (0..14) per letter but the last
    std::uint32_t count = 0;
  };

  // Reads a lexicon file. Fails with kInvalidInput naming the file when it cannot be read or a
  // line is malformed.
  static Result<WordLexicon> load(const std::string& path);

  // The patterns seen for `word` (its letters, UTF-8), most frequent first; empty when the word
  // was never seen. Thread-safe (read-only).
  std::span<const Pattern> find(std::string_view word) const;

  // Weight of log(pattern count / word count) against the network's log-probabilities.
  double prior_weight() const { return prior_weight_; }

  std::size_t size() const { return index_.size(); }

 private:
  double prior_weight_ = 1.0;
  std::vector<Pattern> patterns_;
  std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>> index_;  // first, n
};

}  // namespace polyvox
