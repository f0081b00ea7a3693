#include "text/word_lexicon.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/utf8.h"
#include "text/huge_pages.h"
#include "text/stem_splits.h"
#include "text/whole_file.h"

namespace polyvox {
namespace {

Error bad_file(const std::string& path, const std::string& why) {
  return invalid_input("diacritizer lexicon", "'" + path + "': " + why);
}

// Value of the header field "NAME=VALUE" among `fields`, parsed as a double; false when absent
// or malformed.
bool header_field(const std::vector<std::string>& fields, std::string_view name, double& value) {
  for (const auto& field : fields) {
    if (field.size() <= name.size() || field.compare(0, name.size(), name) != 0 ||
        field[name.size()] != '=') {
      continue;
    }
    try {
      std::size_t used = 0;
      value = std::stod(field.substr(name.size() + 1), &used);
      return used == field.size() - name.size() - 1;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

// "#polyvox-lexicon 2 prior_weight=W full_min_count=K" or "#polyvox-lexicon 3 prior_weight=W
// full_min_count=K left_weight=A right_weight=B context_smoothing=S ...".
bool parse_header(const std::string& line, double& prior_weight, std::uint32_t& full_min_count,
                  double& left_weight, double& right_weight, double& context_smoothing,
                  double& margin_full, double& margin_rare, bool& stem_backoff) {
  std::istringstream in(line);
  std::string magic, version;
  if (!(in >> magic >> version) || magic != "#polyvox-lexicon" ||
      (version != "2" && version != "3")) {
    return false;
  }
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  double min_count = 0;
  if (!header_field(fields, "prior_weight", prior_weight) || !std::isfinite(prior_weight) ||
      !header_field(fields, "full_min_count", min_count) || !(min_count >= 0) ||
      min_count > 4294967295.0) {
    return false;
  }
  full_min_count = static_cast<std::uint32_t>(min_count);
  if (version == "2") return true;
  const auto present = [&fields](std::string_view name) {
    return std::any_of(fields.begin(), fields.end(), [name](const std::string& f) {
      return f.size() > name.size() && f.compare(0, name.size(), name) == 0 &&
             f[name.size()] == '=';
    });
  };
  // Optional margins: absent, the lexicon always decides (the fields' defaults); present, a
  // finite number >= 0.
  for (const auto& [name, margin] : {std::pair{"network_margin_full", &margin_full},
                                     std::pair{"network_margin_rare", &margin_rare}}) {
    if (present(name) &&
        (!header_field(fields, name, *margin) || !std::isfinite(*margin) || *margin < 0)) {
      return false;
    }
  }
  // Optional stem_backoff: absent, 0; present, 0 or 1 (the clitic lists of version 1).
  double stems = 0;
  if (present("stem_backoff") &&
      (!header_field(fields, "stem_backoff", stems) || (stems != 0 && stems != 1))) {
    return false;
  }
  stem_backoff = stems == 1;
  return header_field(fields, "left_weight", left_weight) && std::isfinite(left_weight) &&
         header_field(fields, "right_weight", right_weight) && std::isfinite(right_weight) &&
         header_field(fields, "context_smoothing", context_smoothing) && context_smoothing > 0 &&
         std::isfinite(context_smoothing);
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

// Merges patterns cut to the same letters: equal ones add their counts; most frequent first,
// ties by the smaller pattern (as lexicon.ordered does).
void merge_patterns(std::vector<WordLexicon::Pattern>& patterns) {
  using Pattern = WordLexicon::Pattern;
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

}  // namespace

Result<WordLexicon> WordLexicon::load(const std::string& path) {
  return parse_whole_file(
      path, [&path](std::string_view bytes) { return parse(bytes, path); },
      [&path](const char* why) { return bad_file(path, why); });
}

WordLexicon::WordLexicon(std::unique_ptr<std::pmr::monotonic_buffer_resource> arena)
    : arena_(std::move(arena)),
      patterns_(arena_.get()),
      contexts_(arena_.get()),
      context_counts_(arena_.get()),
      index_(arena_.get()) {}

Result<WordLexicon> WordLexicon::parse(std::string_view file, const std::string& path) {
  WordLexicon lexicon(std::make_unique<std::pmr::monotonic_buffer_resource>(std::size_t{4} << 20,
                                                                            huge_page_resource()));
  // Room for every table at once, from counts that bound their sizes (each pattern and each
  // context has a ':', each context count a '=', each word a line), so that none grows by
  // copying itself to new memory.
  std::size_t colons = 0, equals = 0, lines = 1;
  for (const char c : file) colons += c == ':', equals += c == '=', lines += c == '\n';
  lexicon.patterns_.reserve(colons);
  lexicon.contexts_.reserve(colons);
  lexicon.context_counts_.reserve(equals);
  lexicon.index_.reserve(lines);
  // The next line of `file` (without its newline); false at the end.
  const auto getline = [&file](std::string_view& line) {
    if (file.empty()) return false;
    const auto newline = std::min(file.find('\n'), file.size());
    line = file.substr(0, newline);
    file.remove_prefix(std::min(newline + 1, file.size()));
    return true;
  };
  std::string_view line;
  if (!getline(line) ||
      !parse_header(std::string(line), lexicon.prior_weight_, lexicon.full_min_count_,
                    lexicon.left_weight_, lexicon.right_weight_, lexicon.context_smoothing_,
                    lexicon.network_margin_full_, lexicon.network_margin_rare_,
                    lexicon.stem_backoff_)) {
    return bad_file(path, "not a diacritizer lexicon");
  }
  for (long number = 2; getline(line); ++number) {
    // WORD TAB PATTERNS [TAB LEFT TAB RIGHT]
    const std::string_view text(line);
    const auto tab = text.find('\t');
    const auto tab2 = tab == std::string_view::npos ? tab : text.find('\t', tab + 1);
    const auto tab3 = tab2 == std::string_view::npos ? tab2 : text.find('\t', tab2 + 1);
    std::vector<Pattern> patterns;
    const bool ok = tab != std::string_view::npos && tab != 0 &&
                    (tab2 == std::string_view::npos) == (tab3 == std::string_view::npos) &&
                    (tab3 == std::string_view::npos || text.find('\t', tab3 + 1) == text.npos) &&
                    parse_patterns(text.substr(tab + 1, tab2 - tab - 1), patterns);
    const auto malformed = [&] {
      return bad_file(path, "line " + std::to_string(number) + " is malformed");
    };
    // The word is UTF-8, each pattern has one class per letter of it.
    const bool word_ok = ok && is_valid_utf8(text.substr(0, tab));
    const std::size_t word_letters = word_ok ? utf8_length(text.substr(0, tab)) : 0;
    if (!word_ok || std::any_of(patterns.begin(), patterns.end(), [&](const Pattern& p) {
          return p.classes.size() != word_letters;
        })) {
      return malformed();
    }
    const std::size_t count = patterns.size();
    Entry* entry = lexicon.add(line.substr(0, tab), std::move(patterns));
    Entry unused;  // contexts of a word without candidates (none in files lexicon.py writes)
    if (entry == nullptr) entry = &unused;
    if (tab2 != std::string_view::npos &&
        (!lexicon.parse_contexts(text.substr(tab2 + 1, tab3 - tab2 - 1), count, entry->left_first,
                                 entry->left_size) ||
         !lexicon.parse_contexts(text.substr(tab3 + 1), count, entry->right_first,
                                 entry->right_size))) {
      return malformed();
    }
  }
  return lexicon;
}

bool WordLexicon::parse_contexts(std::string_view text, std::size_t patterns, std::uint32_t& first,
                                 std::uint32_t& size) {
  first = static_cast<std::uint32_t>(contexts_.size());
  while (!text.empty()) {
    const auto end = std::min(text.find(' '), text.size());
    const std::string_view item = text.substr(0, end);
    const auto colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) return false;
    Context context;
    context.neighbour_hash = context_hash(item.substr(0, colon));
    context.first = static_cast<std::uint32_t>(context_counts_.size());
    std::string_view counts = item.substr(colon + 1);
    while (!counts.empty()) {
      const auto comma = std::min(counts.find(','), counts.size());
      const std::string_view pair = counts.substr(0, comma);
      const auto equals = pair.find('=');
      std::uint32_t k = 0, count = 0;
      if (equals == std::string_view::npos) return false;
      const auto [p1, e1] = std::from_chars(pair.data(), pair.data() + equals, k);
      const auto [p2, e2] =
          std::from_chars(pair.data() + equals + 1, pair.data() + pair.size(), count);
      if (e1 != std::errc() || p1 != pair.data() + equals || e2 != std::errc() ||
          p2 != pair.data() + pair.size() || k >= patterns || count == 0) {
        return false;
      }
      context_counts_.emplace_back(k, count);
      context.total += count;
      counts.remove_prefix(std::min(comma + 1, counts.size()));
    }
    context.size = static_cast<std::uint32_t>(context_counts_.size()) - context.first;
    if (context.size == 0) return false;
    contexts_.push_back(context);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  size = static_cast<std::uint32_t>(contexts_.size()) - first;
  std::sort(contexts_.begin() + first, contexts_.end(),
            [](const Context& a, const Context& b) { return a.neighbour_hash < b.neighbour_hash; });
  return true;
}

WordLexicon::StemCandidates WordLexicon::find_stem(std::string_view word, double word_count) const {
  StemCandidates out;
  if (!stem_backoff_ || word_count >= full_min_count_) return out;
  std::string_view best_prefix;
  std::string best_stem;
  const Entry* best = nullptr;
  std::size_t best_letters = 0;
  // stem_backoff=1's splits (stem_splits.h): the longest known stem, then the most seen, then
  // the first.
  for_each_stem_split(word, [&](std::string_view prefix, std::string_view stem) {
    const auto it = index_.find(stem);
    if (it == index_.end()) return;
    const std::size_t n = utf8_length(stem);
    if (best == nullptr || n > best_letters ||
        (n == best_letters && it->second.word_count > best->word_count)) {
      best = &it->second, best_letters = n, best_prefix = prefix, best_stem.assign(stem);
    }
  });
  if (best == nullptr) return out;
  // The inner letters: all but the last, and but the first after the article (ال, or لل after
  // the preposition li-).
  const std::size_t skip = best_prefix.ends_with("ال") || best_prefix.ends_with("لل") ? 1 : 0;
  if (best_letters < skip + 2) return out;
  const std::size_t inner = best_letters - 1 - skip;
  for (std::uint32_t k = best->first; k < best->first + best->size; ++k) {
    // A frequent stem keeps its whole patterns, a rarer one its patterns but the last letter
    // (parse checked one class per letter): both cover the inner letters.
    const Pattern& p = patterns_[k];
    out.patterns.push_back(Pattern{p.classes.substr(skip, inner), p.count});
  }
  merge_patterns(out.patterns);
  out.offset = utf8_length(best_prefix) + skip;
  out.stem = std::move(best_stem);
  out.stem_count = best->word_count;
  return out;
}

WordLexicon::Entry* WordLexicon::add(std::string_view word, std::vector<Pattern> patterns) {
  double total = 0;
  for (const auto& p : patterns) total += p.count;
  if (total < full_min_count_) {
    if (patterns.front().classes.size() < 2) return nullptr;
    // A rare word: merge its patterns on all letters but the last.
    for (auto& p : patterns) p.classes.pop_back();
    merge_patterns(patterns);
  }
  Entry entry;
  entry.first = static_cast<std::uint32_t>(patterns_.size());
  entry.size = static_cast<std::uint32_t>(patterns.size());
  entry.word_count = total;
  for (auto& p : patterns) patterns_.push_back(std::move(p));
  return &index_.insert_or_assign(std::pmr::string(word, index_.get_allocator().resource()), entry)
              .first->second;
}

WordLexicon::Candidates WordLexicon::find(std::string_view word) const {
  const auto it = index_.find(word);
  if (it == index_.end()) return {};
  const Entry& e = it->second;
  Candidates found;
  found.patterns = std::span<const Pattern>(patterns_.data() + e.first, e.size);
  found.word_count = e.word_count;
  if (e.word_count >= full_min_count_) {  // a rarer word's patterns are merged: no contexts
    found.left = std::span<const Context>(contexts_.data() + e.left_first, e.left_size);
    found.right = std::span<const Context>(contexts_.data() + e.right_first, e.right_size);
  }
  return found;
}

double WordLexicon::prior(const Candidates& found, std::size_t k, std::string_view prev,
                          std::string_view next) const {
  const double share = found.patterns[k].count / found.word_count;
  double prior = prior_weight_ * std::log(share);
  for (const auto& [contexts, neighbour, weight] :
       {std::tuple{found.left, prev, left_weight_}, std::tuple{found.right, next, right_weight_}}) {
    const std::uint64_t hash = context_hash(neighbour);
    const auto it =
        std::lower_bound(contexts.begin(), contexts.end(), hash,
                         [](const Context& c, std::uint64_t h) { return c.neighbour_hash < h; });
    if (it == contexts.end() || it->neighbour_hash != hash) continue;
    double seen = 0;
    for (std::uint32_t i = it->first; i < it->first + it->size; ++i) {
      if (context_counts_[i].first == k) seen = context_counts_[i].second;
    }
    prior +=
        weight * std::log((seen + context_smoothing_ * share) / (it->total + context_smoothing_));
  }
  return prior;
}

}  // namespace polyvox
