// The diacritizer's word lexicon: for each word of the training text, the patterns of mark
// classes seen on its letters, with their counts. Written by tools/train_diacritizer/lexicon.py
// (format and the meaning of full_min_count described there).
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
    std::string classes;  // one class id (0..14) per letter covered, from the word's first
    std::uint32_t count = 0;
  };

  // What a word may choose from: patterns covering all its letters (a word seen often) or all
  // but the last (a rarer one), most frequent first, and how often the word was seen.
  struct Candidates {
    std::span<const Pattern> patterns;  // empty: nothing to choose from
    double word_count = 0;
  };

  // Reads a lexicon file. Fails with kInvalidInput naming the file when it cannot be read or a
  // line is malformed. Mirrors lexicon.Lexicon in tools/train_diacritizer.
  static Result<WordLexicon> load(const std::string& path);

  // The candidates of `word` (its letters, UTF-8). Thread-safe (read-only).
  Candidates find(std::string_view word) const;

  // Weight of log(pattern count / word count) against the network's log-probabilities.
  double prior_weight() const { return prior_weight_; }

  std::size_t size() const { return index_.size(); }

 private:
  struct Entry {
    std::uint32_t first = 0, size = 0;
    double word_count = 0;
  };

  // Adds `word`'s candidates from its whole `patterns` (file order).
  void add(std::string word, std::vector<Pattern> patterns);

  double prior_weight_ = 1.0;
  std::uint32_t full_min_count_ = 1;
  std::vector<Pattern> patterns_;
  std::unordered_map<std::string, Entry> index_;
};

}  // namespace polyvox
