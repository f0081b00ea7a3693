// The "embedded" Diacritizer: a character-level BiLSTM (bilstm_model.h) run in-process, a word
// lexicon of the training text (word_lexicon.h) choosing among attested patterns, and the marks
// already in the text kept and used as constraints.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "text/arabic_marks.h"
#include "text/diacritizer.h"

namespace polyvox {

class BilstmModel;  // bilstm_model.h: Eigen stays out of this header (it is built for
                    // the native CPU in polyvox_text only)
class WordLexicon;
struct BilstmScratch;

class EmbeddedDiacritizer : public Diacritizer {
 public:
  // Names of the weights and lexicon files inside the models directory.
  static constexpr const char* kModelFile = "arabic_diacritizer.bin";
  static constexpr const char* kLexiconFile = "arabic_diacritizer.lexicon";

  // Loads the weights and the lexicon (tens of milliseconds); fails with kInvalidInput naming
  // the file that cannot be read or is not what it should be.
  static Result<std::unique_ptr<EmbeddedDiacritizer>> create(const std::string& model_path,
                                                             const std::string& lexicon_path);
  ~EmbeddedDiacritizer() override;

  const std::string& name() const override { return name_; }

  // Diacritizes each line of `text` (lines end at '\n') with diacritize_line. Fails with
  // kInvalidInput when `text` is not valid UTF-8. Thread-safe (weights are shared read-only).
  Result<std::string> diacritize(std::string_view text) override;

  // One line, without its '\n': every character other than the marks U+064B..U+0652 comes out
  // as it came, in place. Each of the 36 Arabic letters gets the marks the model scores best
  // among those compatible with the marks it already carries (arabic::allowed_classes); then
  // each word (run of letters) the lexicon knows takes the compatible attested pattern (on all
  // its letters, or all but the last for a rare word) with the best log-probability plus prior
  // (which depends on the words before and after it: WordLexicon::prior), unless the network's
  // own marks outscore it by more than the lexicon's margin; then each rarer word the lexicon
  // reads as clitics around a known stem gives the stem's inner letters the best of the stem's
  // patterns the same way (WordLexicon::find_stem). Added marks follow the given ones. A line
  // without Arabic letters comes out unchanged.
  // Mirrors choose_marks in tools/train_diacritizer/predict.py.
  // REQUIRES: `line` is valid UTF-8. Thread-safe.
  std::string diacritize_line(std::string_view line) const;

  // Who chose a word's marks: the network alone (the lexicon does not know the word or none of
  // its patterns fits the given marks), a lexicon pattern over the whole word, a pattern over
  // all its letters but the last (a rare word: the network chose the case ending), the
  // network over the lexicon (its own marks outscored the best pattern by more than the
  // lexicon's network margin, WordLexicon::network_margin), or the patterns of the word's stem
  // (a rarer word read as clitics around a known stem: WordLexicon::find_stem) for the stem's
  // inner letters, after any of the others.
  enum class Source { kNetwork, kLexicon, kLexiconStem, kNetworkOverLexicon, kStem };
  struct WordChoice {
    std::string word;          // UTF-8: its letters with given + chosen marks
    std::string network_word;  // the same with the network's own choice for every letter
    Source source = Source::kNetwork;
    // The lexicon: how often the word was seen in the training text (0: never), how many
    // patterns it offers for it, and how often the chosen one was seen (0 unless a lexicon
    // source).
    double word_count = 0;
    std::size_t lexicon_patterns = 0;
    std::uint32_t pattern_count = 0;
    // kStem: the stem (UTF-8), how often it was seen, how often its chosen pattern was.
    std::string stem;
    double stem_count = 0;
    std::uint32_t stem_pattern_count = 0;
    // The network: the probability it gives its own choice for the whole word (the product
    // over its letters) and for its least certain letter.
    double network_confidence = 1;
    double weakest_letter = 1;
    // The word whose embedding the network read in its place (UTF-8): a network trained with
    // stems reads a word not in its list as its stem (BilstmModel::word_id); empty otherwise.
    std::string network_stem;
  };

  // diacritize_line, also telling in `words` (cleared first) how each word of the line (run of
  // letters, in order) got its marks. Same output as diacritize_line.
  // REQUIRES: `line` is valid UTF-8. Thread-safe.
  std::string explain_line(std::string_view line, std::vector<WordChoice>& words) const;

  // "network", "lexicon", "lexicon+network" (stem from the lexicon, case ending from the
  // network), "network-over-lexicon" or "stem".
  static const char* source_name(Source source);

 private:
  // diacritize_line; fills *words when not null (explain_line).
  std::string decide_line(std::string_view line, std::vector<WordChoice>* words) const;

  EmbeddedDiacritizer(std::unique_ptr<const BilstmModel> model,
                      std::unique_ptr<const WordLexicon> lexicon);

  // What choose_word_pattern found and chose.
  struct PatternChoice {
    std::size_t covered = 0;   // letters the chosen pattern covers (0: none chosen)
    std::size_t patterns = 0;  // the word's candidate patterns
    std::uint32_t count = 0;   // times the chosen pattern was seen
    double word_count = 0;     // times the word was seen
    bool overruled = false;    // the network's own marks outscored the best pattern
    // The stem's patterns chose its inner letters (after any of the above).
    bool by_stem = false;
    std::string stem;
    double stem_count = 0;
    std::uint32_t stem_pattern_count = 0;
  };

  // Gives the letters of the word bases[begin, end) (`word` in UTF-8, between the words `prev`
  // and `next` of its line) the lexicon's best allowed pattern, if any, unless the network's own
  // marks (`chosen` on entry) outscore it by more than the lexicon's network margin; then the
  // inner letters of its stem, if the lexicon finds one, the stem's best allowed pattern unless
  // their marks by then outscore it by more than the lexicon's stem margin.
  PatternChoice choose_word_pattern(
      std::size_t begin, std::size_t end, const std::string& word, std::string_view prev,
      std::string_view next, const std::vector<std::array<float, arabic::kNumClasses>>& scores,
      const std::vector<std::vector<arabic::AllowedClass>>& options,
      std::vector<arabic::AllowedClass>& chosen) const;

  std::string name_ = "embedded";
  // Read-only after loading: shared by all threads.
  std::unique_ptr<const BilstmModel> model_;
  std::unique_ptr<const WordLexicon> lexicon_;

  // The network's working memory, kept across lines (each grown to the longest segment it has
  // run): one per line being diacritized at once, so that a line allocates none of it.
  class ScratchLease;
  mutable std::mutex scratch_mutex_;
  mutable std::vector<std::unique_ptr<BilstmScratch>> free_scratch_;
};

}  // namespace polyvox
