#include "text/embedded_diacritizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <future>
#include <mutex>
#include <vector>

#include "core/utf8.h"
#include "text/arabic_marks.h"
#include "text/bilstm_model.h"
#include "text/word_lexicon.h"

namespace polyvox {
namespace {

// A line split into base characters (everything but marks) and the marks written after each.
// The other Arabic combining marks (arabic::is_other_mark) stay with the base they follow and
// are not bases: the model reads the letters around them as one word; a letter followed by a
// combining madda or hamza is read as the composed letter (arabic::compose_hamza).
// Mirrors arabic.parse_line(line, fold=True) in tools/train_diacritizer.
struct ParsedLine {
  std::vector<char32_t> bases;           // as the model reads them
  std::vector<std::size_t> start_at;     // byte offset of each base
  std::vector<std::size_t> insert_at;    // byte offset after each base and all its marks
  std::vector<std::size_t> marks_begin;  // each base's given marks: marks[begin, begin + count)
  std::vector<std::size_t> marks_count;
  std::vector<char32_t> marks;
  std::vector<bool> folded;  // a combining madda / hamza was composed into the base
  bool has_letter = false;
};

// A tatweel (kashida) after a letter stretches it: not a base, so that the letters around it
// are read as one word ("مـــرحبا" as "مرحبا").
constexpr char32_t kTatweel = 0x0640;

ParsedLine parse_line(std::string_view line) {
  ParsedLine p;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = pos;
    const char32_t cp = next_code_point(line, pos);
    if (arabic::is_mark(cp)) {
      if (!p.bases.empty()) {  // marks before the first base character stay as they are
        p.marks.push_back(cp);
        ++p.marks_count.back();
        p.insert_at.back() = pos;
      }
      continue;
    }
    if (cp == kTatweel && !p.bases.empty() && arabic::is_letter(p.bases.back())) {
      continue;  // stretches the letter before it: the marks added to it go before the tatweel
    }
    if (arabic::is_other_mark(cp) && !p.bases.empty()) {
      if (!p.folded.back()) {  // the first madda / hamza composes; others are skipped
        const char32_t composed = arabic::compose_hamza(p.bases.back(), cp);
        p.folded.back() = composed != p.bases.back();
        p.bases.back() = composed;
      }
      p.insert_at.back() = pos;
      continue;
    }
    p.bases.push_back(cp);
    p.start_at.push_back(start);
    p.insert_at.push_back(pos);
    p.marks_begin.push_back(p.marks.size());
    p.marks_count.push_back(0);
    p.folded.push_back(false);
    p.has_letter = p.has_letter || arabic::is_letter(cp);
  }
  return p;
}

// [start, end) ranges of at most `max_len` characters covering `bases`, cut at spaces (a space at
// a cut belongs to no range), preferring a space right after a non-letter in the second half.
// Mirrors arabic.segment_bounds in tools/train_diacritizer. max_len 0: one range.
std::vector<std::pair<std::size_t, std::size_t>> segment_bounds(const std::vector<char32_t>& bases,
                                                                std::size_t max_len) {
  std::vector<std::pair<std::size_t, std::size_t>> bounds;
  const std::size_t n = bases.size();
  std::size_t start = 0;
  while (start < n) {
    std::size_t end = n;
    if (max_len > 0 && end - start > max_len) {
      std::size_t cut = 0;
      bool found = false;
      for (std::size_t j = start + max_len; j > start + max_len / 2; --j) {
        if (bases[j] != U' ') continue;
        if (!found) cut = j, found = true;
        if (!arabic::is_letter(bases[j - 1])) {
          cut = j;
          break;
        }
      }
      end = found ? cut : start + max_len;
    }
    bounds.emplace_back(start, end);
    start = end < n && bases[end] == U' ' ? end + 1 : end;
  }
  return bounds;
}

// The option of `options` for class `c`, or nullptr.
const arabic::AllowedClass* find_option(const std::vector<arabic::AllowedClass>& options, int c) {
  for (const auto& option : options) {
    if (option.mark_class == c) return &option;
  }
  return nullptr;
}

// Natural log-probability of each class from its scores (log-softmax, in double).
std::array<double, arabic::kNumClasses> log_probabilities(
    const std::array<float, arabic::kNumClasses>& scores) {
  const double top = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (float s : scores) sum += std::exp(static_cast<double>(s) - top);
  const double log_sum = std::log(sum);
  std::array<double, arabic::kNumClasses> out{};
  for (std::size_t c = 0; c < scores.size(); ++c) out[c] = (scores[c] - top) - log_sum;
  return out;
}

// The letters bases[begin, end) of `p` as written in `line` (with all the marks they carry),
// each followed by the marks of chosen[i] (UTF-8).
std::string marked_word(std::string_view line, const ParsedLine& p, std::size_t begin,
                        std::size_t end, const std::vector<arabic::AllowedClass>& chosen) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    out.append(line.substr(p.start_at[i], p.insert_at[i] - p.start_at[i]));
    for (int m = 0; m < chosen[i].added_count; ++m) append_utf8(out, chosen[i].added[m]);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<EmbeddedDiacritizer>> EmbeddedDiacritizer::create(
    const std::string& model_path, const std::string& lexicon_path) {
  // The two files are independent: the lexicon is parsed on a second thread while the weights
  // load here, so the first Arabic block waits for the slower of the two, not their sum.
  auto pending_lexicon =
      std::async(std::launch::async, [&lexicon_path] { return WordLexicon::load(lexicon_path); });
  auto model = BilstmModel::load(model_path);
  auto lexicon = pending_lexicon.get();
  if (!model) return model.take_error();
  if (!lexicon) return lexicon.take_error();
  return std::unique_ptr<EmbeddedDiacritizer>(
      new EmbeddedDiacritizer(std::make_unique<const BilstmModel>(std::move(model.value())),
                              std::make_unique<const WordLexicon>(std::move(lexicon.value()))));
}

EmbeddedDiacritizer::EmbeddedDiacritizer(std::unique_ptr<const BilstmModel> model,
                                         std::unique_ptr<const WordLexicon> lexicon)
    : model_(std::move(model)), lexicon_(std::move(lexicon)) {}

EmbeddedDiacritizer::~EmbeddedDiacritizer() = default;

// A BilstmScratch taken from the diacritizer's free list (a new one when none is free) and put
// back when the lease ends.
class EmbeddedDiacritizer::ScratchLease {
 public:
  explicit ScratchLease(const EmbeddedDiacritizer& owner) : owner_(owner) {
    {
      const std::lock_guard lock(owner_.scratch_mutex_);
      if (!owner_.free_scratch_.empty()) {
        scratch_ = std::move(owner_.free_scratch_.back());
        owner_.free_scratch_.pop_back();
      }
    }
    if (!scratch_) scratch_ = std::make_unique<BilstmScratch>();
  }
  ~ScratchLease() {
    try {
      const std::lock_guard lock(owner_.scratch_mutex_);
      owner_.free_scratch_.push_back(std::move(scratch_));
    } catch (...) {  // no room in the list: the scratch is freed instead
    }
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  BilstmScratch& get() { return *scratch_; }

 private:
  const EmbeddedDiacritizer& owner_;
  std::unique_ptr<BilstmScratch> scratch_;
};

namespace {

// The best allowed of `patterns` on a run of `letters` letters (log_probs, options and chosen
// start at its first; a longer pattern is skipped): the highest sum of log-probabilities plus
// prior(k), the first on ties. Unless the classes in `chosen` outscore it on the same letters
// by more than `margin`, it replaces them and is returned; else (`*overruled` set), or when no
// pattern is allowed, nullptr.
template <class Prior>
const WordLexicon::Pattern* apply_best_pattern(
    std::span<const WordLexicon::Pattern> patterns, Prior prior, std::size_t letters,
    std::span<const std::array<double, arabic::kNumClasses>> log_probs,
    std::span<const std::vector<arabic::AllowedClass>> options,
    std::span<arabic::AllowedClass> chosen, double margin, bool* overruled) {
  const WordLexicon::Pattern* best = nullptr;
  double best_score = 0;
  for (std::size_t k = 0; k < patterns.size(); ++k) {
    const auto& pattern = patterns[k];
    if (pattern.classes.size() > letters) continue;
    bool allowed = true;
    double score = 0;
    for (std::size_t j = 0; j < pattern.classes.size() && allowed; ++j) {
      const int c = pattern.classes[j];
      allowed = find_option(options[j], c) != nullptr;
      if (allowed) score += log_probs[j][static_cast<std::size_t>(c)];
    }
    if (!allowed) continue;
    score += prior(k);
    if (best == nullptr || score > best_score) best = &pattern, best_score = score;
  }
  if (best == nullptr) return nullptr;
  double own_score = 0;  // the letters' classes so far, over the same letters
  for (std::size_t j = 0; j < best->classes.size(); ++j) {
    own_score += log_probs[j][static_cast<std::size_t>(chosen[j].mark_class)];
  }
  if (own_score - margin > best_score) {
    *overruled = true;
    return nullptr;
  }
  for (std::size_t j = 0; j < best->classes.size(); ++j) {
    chosen[j] = *find_option(options[j], best->classes[j]);
  }
  return best;
}

}  // namespace

EmbeddedDiacritizer::PatternChoice EmbeddedDiacritizer::choose_word_pattern(
    std::size_t begin, std::size_t end, const std::string& word, std::string_view prev,
    std::string_view next, const std::vector<std::array<float, arabic::kNumClasses>>& scores,
    const std::vector<std::vector<arabic::AllowedClass>>& options,
    std::vector<arabic::AllowedClass>& chosen) const {
  const auto found = lexicon_->find(word);
  PatternChoice choice{0, found.patterns.size(), 0, found.word_count};
  auto stem = lexicon_->find_stem(word, found.word_count);
  if (found.patterns.empty() && stem.patterns.empty()) return choice;
  const std::size_t letters = end - begin;
  std::vector<std::array<double, arabic::kNumClasses>> log_probs;
  for (std::size_t i = begin; i < end; ++i) log_probs.push_back(log_probabilities(scores[i]));
  const std::span<const std::array<double, arabic::kNumClasses>> probs(log_probs);
  const std::span<const std::vector<arabic::AllowedClass>> allowed(options.data() + begin, letters);
  const std::span<arabic::AllowedClass> marks(chosen.data() + begin, letters);

  if (!found.patterns.empty()) {
    const auto prior = [&](std::size_t k) { return lexicon_->prior(found, k, prev, next); };
    if (const auto* best = apply_best_pattern(found.patterns, prior, letters, probs, allowed, marks,
                                              lexicon_->network_margin(found), &choice.overruled)) {
      choice.covered = best->classes.size();
      choice.count = best->count;
    }
  }
  if (!stem.patterns.empty() && stem.offset < letters) {
    const std::size_t at = stem.offset;
    bool stayed = false;
    if (const auto* best = apply_best_pattern(
            std::span<const WordLexicon::Pattern>(stem.patterns), [](std::size_t) { return 0.0; },
            letters - at, probs.subspan(at), allowed.subspan(at), marks.subspan(at),
            lexicon_->stem_margin(), &stayed)) {
      choice.by_stem = true;
      choice.stem = std::move(stem.stem);
      choice.stem_count = stem.stem_count;
      choice.stem_pattern_count = best->count;
    }
  }
  return choice;
}

Result<std::string> EmbeddedDiacritizer::diacritize(std::string_view text) {
  if (const std::size_t valid = valid_utf8_prefix(text); valid != text.size()) {
    return invalid_input("text", "invalid UTF-8 at byte " + std::to_string(valid));
  }
  std::string out;
  out.reserve(text.size() * 2);
  std::size_t start = 0;
  while (true) {
    const std::size_t newline = text.find('\n', start);
    out += diacritize_line(text.substr(start, newline - start));
    if (newline == std::string_view::npos) break;
    out.push_back('\n');
    start = newline + 1;
  }
  return out;
}

std::string EmbeddedDiacritizer::diacritize_line(std::string_view line) const {
  return decide_line(line, nullptr);
}

std::string EmbeddedDiacritizer::explain_line(std::string_view line,
                                              std::vector<WordChoice>& words) const {
  words.clear();
  return decide_line(line, &words);
}

const char* EmbeddedDiacritizer::source_name(Source source) {
  switch (source) {
    case Source::kLexicon:
      return "lexicon";
    case Source::kLexiconStem:
      return "lexicon+network";
    case Source::kNetworkOverLexicon:
      return "network-over-lexicon";
    case Source::kStem:
      return "stem";
    case Source::kNetwork:
      break;
  }
  return "network";
}

std::string EmbeddedDiacritizer::decide_line(std::string_view line,
                                             std::vector<WordChoice>* explained) const {
  const ParsedLine p = parse_line(line);
  if (!p.has_letter) return std::string(line);

  const std::size_t n = p.bases.size();
  std::vector<int> ids(n), hints(n), words;
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = model_->input_id(p.bases[i]);
    const std::span<const char32_t> given(p.marks.data() + p.marks_begin[i], p.marks_count[i]);
    hints[i] = !given.empty() && arabic::is_letter(p.bases[i]) ? arabic::class_of(given) + 1 : 0;
  }
  // The words (runs of letters): [begin, end) and UTF-8.
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  std::vector<std::string> word_text;
  for (std::size_t begin = 0, end = 0; begin < n; begin = end) {
    end = begin + 1;
    if (!arabic::is_letter(p.bases[begin])) continue;
    while (end < n && arabic::is_letter(p.bases[end])) ++end;
    runs.emplace_back(begin, end);
    word_text.emplace_back();
    for (std::size_t i = begin; i < end; ++i) append_utf8(word_text.back(), p.bases[i]);
  }
  if (model_->has_words()) {  // the word id of each letter's word (arabic.word_ids)
    words.assign(n, BilstmModel::kNoWord);
    for (std::size_t k = 0; k < runs.size(); ++k) {
      std::fill(words.begin() + static_cast<std::ptrdiff_t>(runs[k].first),
                words.begin() + static_cast<std::ptrdiff_t>(runs[k].second),
                model_->word_id(word_text[k]));
    }
  }

  // Class scores of each letter (segments run separately).
  std::vector<std::array<float, arabic::kNumClasses>> scores(n);
  std::vector<int> seg_ids, seg_hints, seg_words;
  ScratchLease scratch(*this);
  for (auto [begin, end] : segment_bounds(p.bases, model_->max_segment_chars())) {
    if (std::none_of(p.bases.begin() + begin, p.bases.begin() + end, arabic::is_letter)) continue;
    seg_ids.assign(ids.begin() + begin, ids.begin() + end);
    seg_hints.assign(hints.begin() + begin, hints.begin() + end);
    if (!words.empty()) seg_words.assign(words.begin() + begin, words.begin() + end);
    const auto logits = model_->run(seg_ids, seg_hints, seg_words, scratch.get());
    for (std::size_t i = begin; i < end; ++i) {
      for (int c = 0; c < arabic::kNumClasses; ++c) {
        scores[i][static_cast<std::size_t>(c)] = logits(static_cast<Eigen::Index>(i - begin), c);
      }
    }
  }

  // Each letter's best allowed class; then lexicon patterns over whole words.
  std::vector<std::vector<arabic::AllowedClass>> options(n);
  std::vector<arabic::AllowedClass> chosen(n);  // marks to insert after each base character
  for (std::size_t i = 0; i < n; ++i) {
    if (!arabic::is_letter(p.bases[i])) continue;
    options[i] = arabic::allowed_classes(
        std::span<const char32_t>(p.marks.data() + p.marks_begin[i], p.marks_count[i]));
    float best = 0;
    bool first = true;
    for (const auto& option : options[i]) {
      const float score = scores[i][static_cast<std::size_t>(option.mark_class)];
      if (first || score > best) chosen[i] = option, best = score, first = false;
    }
  }
  const std::vector<arabic::AllowedClass> network_choice =
      explained != nullptr ? chosen : std::vector<arabic::AllowedClass>{};
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const std::string_view prev =
        k > 0 ? std::string_view(word_text[k - 1]) : WordLexicon::kLineStart;
    const std::string_view next =
        k + 1 < runs.size() ? std::string_view(word_text[k + 1]) : WordLexicon::kLineEnd;
    const PatternChoice found = choose_word_pattern(runs[k].first, runs[k].second, word_text[k],
                                                    prev, next, scores, options, chosen);
    if (explained == nullptr) continue;
    const auto [begin, end] = runs[k];
    WordChoice w;
    w.word = marked_word(line, p, begin, end, chosen);
    w.network_word = marked_word(line, p, begin, end, network_choice);
    w.source = found.by_stem                 ? Source::kStem
               : found.overruled             ? Source::kNetworkOverLexicon
               : found.covered == 0          ? Source::kNetwork
               : found.covered < end - begin ? Source::kLexiconStem
                                             : Source::kLexicon;
    w.word_count = found.word_count;
    w.lexicon_patterns = found.patterns;
    w.pattern_count = found.count;
    w.stem = found.stem;
    w.stem_count = found.stem_count;
    w.stem_pattern_count = found.stem_pattern_count;
    if (!words.empty()) {
      const std::string_view read = model_->word_of(words[begin]);
      if (!read.empty() && read != word_text[k]) w.network_stem = read;
    }
    for (std::size_t i = begin; i < end; ++i) {
      const double probability = std::exp(
          log_probabilities(scores[i])[static_cast<std::size_t>(network_choice[i].mark_class)]);
      w.network_confidence *= probability;
      w.weakest_letter = std::min(w.weakest_letter, probability);
    }
    explained->push_back(std::move(w));
  }

  std::string out;
  out.reserve(line.size() + 4 * n);
  std::size_t copied = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (chosen[i].added_count == 0) continue;
    out.append(line.substr(copied, p.insert_at[i] - copied));
    copied = p.insert_at[i];
    for (int k = 0; k < chosen[i].added_count; ++k) append_utf8(out, chosen[i].added[k]);
  }
  out.append(line.substr(copied));
  return out;
}

}  // namespace polyvox
