#include "text/word_lexicon.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace polyvox {
namespace {

Error bad_file(const std::string& path, const std::string& why) {
  return invalid_input("diacritizer lexicon", "'" + path + "': " + why);
}

// "#polyvox-lexicon 2 prior_weight=W full_min_count=K" -> W, K.
bool parse_header(const std::string& line, double& prior_weight, std::uint32_t& full_min_count) {
  std::istringstream in(line);
  std::string magic, version, weight, min_count;
  if (!(in >> magic >> version >> weight >> min_count) || magic != "#polyvox-lexicon" ||
      version != "2" || weight.rfind("prior_weight=", 0) != 0 ||
      min_count.rfind("full_min_count=", 0) != 0) {
    return false;
  }
  try {
    prior_weight = std::stod(weight.substr(13));
    full_min_count = static_cast<std::uint32_t>(std::stoul(min_count.substr(15)));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// The patterns of one line's "PATTERN:COUNT ..." part; false when malformed.
bool parse_patterns(std::string_view text, std::vector<WordLexicon::Pattern>& out) {
  while (!text.empty()) {
    const auto end = std::min(text.find(' '), text.size());
    const std::string_view item = text.substr(0, end);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    WordLexicon::Pattern pattern;
    for (const char c : item.substr(0, colon)) {
      const int id = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'e' ? c - 'a' + 10 : -1;
      if (id < 0) return false;
      pattern.classes.push_back(static_cast<char>(id));
    }
    const auto [ptr, ec] =
        std::from_chars(item.data() + colon + 1, item.data() + item.size(), pattern.count);
    if (ec != std::errc() || ptr != item.data() + item.size() || pattern.count == 0) return false;
    out.push_back(std::move(pattern));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return !out.empty();
}

}  // namespace

Result<WordLexicon> WordLexicon::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_file(path, "cannot be read");
  WordLexicon lexicon;
  lexicon.index_.reserve(1 << 18);
  std::string line;
  if (!std::getline(in, line) ||
      !parse_header(line, lexicon.prior_weight_, lexicon.full_min_count_)) {
    return bad_file(path, "not a diacritizer lexicon");
  }
  for (long number = 2; std::getline(in, line); ++number) {
    const auto tab = line.find('\t');
    std::vector<Pattern> patterns;
    if (tab == std::string::npos || tab == 0 ||
        !parse_patterns(std::string_view(line).substr(tab + 1), patterns)) {
      return bad_file(path, "line " + std::to_string(number) + " is malformed");
    }
    lexicon.add(line.substr(0, tab), std::move(patterns));
  }
  return lexicon;
}

void WordLexicon::add(std::string word, std::vector<Pattern> patterns) {
  double total = 0;
  for (const auto& p : patterns) total += p.count;
  if (total < full_min_count_) {
    if (patterns.front().classes.size() < 2) return;
    // A rare word: merge its patterns on all letters but the last, most frequent first, ties
    // by the smaller pattern (as lexicon.ordered does).
    for (auto& p : patterns) p.classes.pop_back();
    std::sort(patterns.begin(), patterns.end(),
              [](const Pattern& a, const Pattern& b) { return a.classes < b.classes; });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      if (kept > 0 && patterns[kept - 1].classes == patterns[i].classes) {
        patterns[kept - 1].count += patterns[i].count;
      } else {
        if (kept != i) patterns[kept] = std::move(patterns[i]);
        ++kept;
      }
    }
    patterns.resize(kept);
    std::stable_sort(patterns.begin(), patterns.end(),
                     [](const Pattern& a, const Pattern& b) { return a.count > b.count; });
  }
  const Entry entry{static_cast<std::uint32_t>(patterns_.size()),
                    static_cast<std::uint32_t>(patterns.size()), total};
  for (auto& p : patterns) patterns_.push_back(std::move(p));
  index_.emplace(std::move(word), entry);
}

WordLexicon::Candidates WordLexicon::find(std::string_view word) const {
  const auto it = index_.find(std::string(word));
  if (it == index_.end()) return {};
  return {std::span<const Pattern>(patterns_.data() + it->second.first, it->second.size),
          it->second.word_count};
}

}  // namespace polyvox
