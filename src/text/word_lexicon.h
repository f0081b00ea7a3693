// The diacritizer's word lexicon: for each word of the training text, the patterns of mark
// classes seen on its letters, with their counts, and for frequent ambiguous words the counts
// seen after / before given neighbouring words. Written by tools/train_diacritizer/lexicon.py
// (format, the meaning of full_min_count and the prior formula described there).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace polyvox {

class WordLexicon {
 public:
  // The neighbour of the first / last word of a line.
  static constexpr std::string_view kLineStart = "^";
  static constexpr std::string_view kLineEnd = "$";

  struct Pattern {
    std::string classes;  // one class id (0..14) per letter covered, from the word's first
    std::uint32_t count = 0;
  };

  // The counts of a word's patterns next to one neighbouring word.
  struct Context {
    std::uint64_t neighbour_hash = 0;   // context_hash of the neighbour
    std::uint32_t first = 0, size = 0;  // its (pattern index, count) pairs in context_counts_
    double total = 0;                   // times the word was seen next to the neighbour
  };

  // What a word may choose from: patterns covering all its letters (a word seen often) or all
  // but the last (a rarer one), most frequent first, and how often the word was seen.
  struct Candidates {
    std::span<const Pattern> patterns;  // empty: nothing to choose from
    double word_count = 0;
    std::span<const Context> left, right;  // sorted by neighbour_hash; empty for a rarer word
  };

  WordLexicon() = default;
  WordLexicon(WordLexicon&&) = default;
  // Not assignable: the tables live in arena_, which an assignment would free under them.
  WordLexicon& operator=(WordLexicon&&) = delete;

  // Reads a lexicon file (version 2 or 3). Fails with kInvalidInput naming the file when it
  // cannot be read, does not fit in memory or a line is malformed. Mirrors lexicon.Lexicon in
  // tools/train_diacritizer.
  static Result<WordLexicon> load(const std::string& path);

  // The same from the file's text; `name` (the path) names it in errors. The text is treated as
  // hostile: a malformed header (weights not finite numbers, counts out of range, margins
  // negative) or line is an error naming it, never a crash.
  static Result<WordLexicon> parse(std::string_view text, const std::string& name);

  // The candidates of `word` (its letters, UTF-8). Thread-safe (read-only).
  Candidates find(std::string_view word) const;

  // The prior of found.patterns[k] for a word whose previous and next words in the line are
  // `prev` and `next` (kLineStart / kLineEnd at the ends): lexicon.Lexicon.candidates.
  double prior(const Candidates& found, std::size_t k, std::string_view prev,
               std::string_view next) const;

  // Weight of log(pattern count / word count) against the network's log-probabilities.
  double prior_weight() const { return prior_weight_; }

  // How far the network's own marks for the letters a word's patterns cover must outscore its
  // best pattern (log-probabilities + prior) to stay: the file's network_margin_full for a word
  // choosing whole patterns, network_margin_rare for a rarer one; infinite (the lexicon always
  // decides) when the file has no such field.
  double network_margin(const Candidates& found) const {
    return found.word_count >= full_min_count_ ? network_margin_full_ : network_margin_rare_;
  }

  // A word seen fewer than full_min_count times read as clitics around a stem the lexicon knows
  // (the file's stem_backoff=1; lexicon.Lexicon.stem_candidates has the rules and the clitics):
  // the patterns, merged, of the stem's inner letters (all but its last, and but its first after
  // the article), most frequent first (ties: the smaller pattern first).
  struct StemCandidates {
    std::size_t offset = 0;         // the word's letters before the inner letters
    std::string stem;               // UTF-8
    double stem_count = 0;          // times the stem was seen
    std::vector<Pattern> patterns;  // empty: nothing to choose from
  };

  // The stem candidates of `word` (its letters, UTF-8, seen `word_count` times: find(word)),
  // none when the file has no stem_backoff, the word was seen full_min_count times or more, or
  // no split leaves a known stem with inner letters. Thread-safe (read-only).
  StemCandidates find_stem(std::string_view word, double word_count) const;

  // How far the marks a stem's inner letters have must outscore its best pattern to stay.
  double stem_margin() const { return network_margin_rare_; }

  std::size_t size() const { return index_.size(); }

  // 64-bit FNV-1a of a neighbour word's UTF-8 bytes (the key of its contexts).
  static std::uint64_t context_hash(std::string_view word) {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : word) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
  }

 private:
  struct Entry {
    std::uint32_t first = 0, size = 0;
    double word_count = 0;
    std::uint32_t left_first = 0, left_size = 0, right_first = 0, right_size = 0;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // Adds `word`'s candidates from its whole `patterns` (file order). Returns its entry, or
  // nullptr when it has none (a rare word of one letter).
  Entry* add(std::string_view word, std::vector<Pattern> patterns);
  // Parses one side's "NEIGHBOUR:K=COUNT,... ..." into contexts_ (sorted by hash); false when
  // malformed or a pattern index is out of range.
  bool parse_contexts(std::string_view text, std::size_t patterns, std::uint32_t& first,
                      std::uint32_t& size);

  explicit WordLexicon(std::unique_ptr<std::pmr::monotonic_buffer_resource> arena);

  double prior_weight_ = 1.0;
  std::uint32_t full_min_count_ = 1;
  double left_weight_ = 0, right_weight_ = 0, context_smoothing_ = 1;
  double network_margin_full_ = std::numeric_limits<double>::infinity();
  double network_margin_rare_ = std::numeric_limits<double>::infinity();
  bool stem_backoff_ = false;
  // The tables below, allocated once at load, in one arena on huge pages (huge_pages.h): ~40 MB
  // in ~130,000 blocks that would otherwise each fault their own pages in. Declared first, so
  // destroyed after them.
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena_;
  std::pmr::vector<Pattern> patterns_;
  std::pmr::vector<Context> contexts_;
  std::pmr::vector<std::pair<std::uint32_t, std::uint32_t>> context_counts_;  // (pattern, count)
  std::pmr::unordered_map<std::pmr::string, Entry, StringHash, std::equal_to<>> index_;
};

}  // namespace polyvox
