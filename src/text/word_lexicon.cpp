#include "text/word_lexicon.h"

#include <charconv>
#include <fstream>

namespace polyvox {
namespace {

Error bad_file(const std::string& path, const std::string& why) {
  return invalid_input("diacritizer lexicon", "'" + path + "': " + why);
}

}  // namespace

Result<WordLexicon> WordLexicon::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_file(path, "cannot be read");
  WordLexicon lexicon;
  std::string line;
  const std::string magic = "#polyvox-lexicon 1 prior_weight=";
  if (!std::getline(in, line) || line.rfind(magic, 0) != 0) {
    return bad_file(path, "not a diacritizer lexicon");
  }
  try {
    lexicon.prior_weight_ = std::stod(line.substr(magic.size()));
  } catch (const std::exception&) {
    return bad_file(path, "bad prior_weight");
  }

  for (long number = 2; std::getline(in, line); ++number) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0) {
      return bad_file(path, "line " + std::to_string(number) + " is malformed");
    }
    const auto first = static_cast<std::uint32_t>(lexicon.patterns_.size());
    std::size_t pos = tab + 1;
    while (pos < line.size()) {
      auto end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      const auto colon = line.find(':', pos);
      if (colon == std::string::npos || colon > end) {
        return bad_file(path, "line " + std::to_string(number) + " is malformed");
      }
      Pattern pattern;
      for (std::size_t i = pos; i < colon; ++i) {
        const char c = line[i];
        const int id = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'e' ? c - 'a' + 10 : -1;
        if (id < 0) return bad_file(path, "line " + std::to_string(number) + ": bad class");
        pattern.classes.push_back(static_cast<char>(id));
      }
      const auto [ptr, ec] = std::from_chars(line.data() + colon + 1, line.data() + end,
                                             pattern.count);
      if (ec != std::errc() || ptr != line.data() + end || pattern.count == 0) {
        return bad_file(path, "line " + std::to_string(number) + ": bad count");
      }
      lexicon.patterns_.push_back(std::move(pattern));
      pos = end + 1;
    }
    const auto n = static_cast<std::uint32_t>(lexicon.patterns_.size()) - first;
    lexicon.index_.emplace(line.substr(0, tab), std::make_pair(first, n));
  }
  return lexicon;
}

std::span<const WordLexicon::Pattern> WordLexicon::find(std::string_view word) const {
  const auto it = index_.find(std::string(word));
  if (it == index_.end()) return {};
  return std::span<const Pattern>(patterns_.data() + it->second.first, it->second.second);
}

}  // namespace polyvox
