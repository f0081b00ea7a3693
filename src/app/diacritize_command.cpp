#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "app/api_client.h"
#include "app/commands.h"
#include "app/composition_root.h"
#include "core/error_codes.h"
#include "core/utf8.h"
#include "text/embedded_diacritizer.h"

namespace polyvox {
namespace {

int fail(const Error& error) {
  // A remote diacritizer's refusal quotes its answer: no control character reaches the terminal.
  std::cerr << "polyvox diacritize: " << terminal_safe(error.to_string(), 2000) << "\n";
  return exit_code_for(error.kind);
}

// "lexicon: ..." of an explained word: how often it was seen, its patterns, the chosen one's
// count; then its stem's, when the stem's patterns chose its inner letters.
std::string lexicon_figures(const EmbeddedDiacritizer::WordChoice& w) {
  std::string out;
  if (w.lexicon_patterns == 0) {
    out = w.word_count > 0
              ? "lexicon: seen " + std::to_string(std::lround(w.word_count)) + "x, no pattern"
              : "lexicon: unseen";
  } else {
    out = "lexicon: seen " + std::to_string(std::lround(w.word_count)) + "x, " +
          std::to_string(w.lexicon_patterns) + (w.lexicon_patterns == 1 ? " pattern" : " patterns");
    if (w.pattern_count > 0) out += ", chosen one " + std::to_string(w.pattern_count) + "x";
  }
  if (w.source == EmbeddedDiacritizer::Source::kStem) {
    out += "; stem " + w.stem + " seen " + std::to_string(std::lround(w.stem_count)) +
           "x, chosen pattern " + std::to_string(w.stem_pattern_count) + "x";
  }
  return out;
}

// "network: p=..." of an explained word: its confidence in its own marks, word and weakest
// letter; then the stem it read the word as, if it did.
std::string network_figures(const EmbeddedDiacritizer::WordChoice& w) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "network: p=%.3f, weakest letter %.3f", w.network_confidence,
                w.weakest_letter);
  return w.network_stem.empty() ? buffer : buffer + (", read as " + w.network_stem);
}

// The line diacritized by `embedded`, then one line per word (DiacritizeArgs::explain): its
// number, marked word, who decided, the lexicon's and the network's figures, and the network's
// own marks when they differ.
class ExplainingDiacritizer : public Diacritizer {
 public:
  explicit ExplainingDiacritizer(std::unique_ptr<EmbeddedDiacritizer> embedded)
      : embedded_(std::move(embedded)) {}
  const std::string& name() const override { return embedded_->name(); }
  Result<std::string> diacritize(std::string_view line) override {
    std::string out = embedded_->explain_line(line, words_);
    for (std::size_t k = 0; k < words_.size(); ++k) {
      const auto& w = words_[k];
      out += "\n  " + std::to_string(k + 1) + "\t" + w.word + "\t" +
             EmbeddedDiacritizer::source_name(w.source) + "\t" + lexicon_figures(w) + "\t" +
             network_figures(w);
      if (w.word != w.network_word) out += "\t(network: " + w.network_word + ")";
    }
    return out;
  }

 private:
  std::unique_ptr<EmbeddedDiacritizer> embedded_;
  std::vector<EmbeddedDiacritizer::WordChoice> words_;
};

// Streams `in` line by line through `diacritizer`; a line keeps its '\n' only if it had one.
int diacritize_stream(std::istream& in, Diacritizer& diacritizer) {
  std::string line;
  for (long line_number = 1; std::getline(in, line); ++line_number) {
    if (const std::size_t valid = valid_utf8_prefix(line); valid != line.size()) {
      const std::size_t column = utf8_length(std::string_view(line).substr(0, valid)) + 1;
      std::cout.flush();
      return fail(invalid_input("input", "invalid UTF-8 at line " + std::to_string(line_number) +
                                             ", column " + std::to_string(column)));
    }
    auto out = diacritizer.diacritize(line);
    if (!out) return fail(out.error());
    std::cout << *out;
    if (!in.eof()) std::cout << '\n';
  }
  // getline stops at the end or at a read error (EIO, a directory): only the end is success.
  if (in.bad() || !in.eof()) {
    std::cout.flush();
    return fail(Error{ErrorKind::kIo, "cannot read the input", "input"});
  }
  std::cout.flush();
  if (!std::cout) return fail(Error{ErrorKind::kIo, "cannot write the output", ""});
  return 0;
}

}  // namespace

int run_diacritize(const DiacritizeArgs& args, const Config& config) {
  std::ios::sync_with_stdio(false);
  std::unique_ptr<Diacritizer> diacritizer;
  if (args.explain) {
    auto embedded = open_embedded_diacritizer(config);
    if (!embedded) return fail(embedded.error());
    diacritizer = std::make_unique<ExplainingDiacritizer>(std::move(embedded.value()));
  } else {
    diacritizer = open_diacritizer(config);
  }
  if (args.input_path.empty()) return diacritize_stream(std::cin, *diacritizer);
  std::error_code ec;
  if (std::filesystem::is_directory(args.input_path, ec)) {
    return fail(invalid_input("file", "'" + args.input_path + "' is a directory"));
  }
  std::ifstream in(args.input_path, std::ios::binary);
  if (!in) return fail(invalid_input("file", "cannot read '" + args.input_path + "'"));
  return diacritize_stream(in, *diacritizer);
}

}  // namespace polyvox
