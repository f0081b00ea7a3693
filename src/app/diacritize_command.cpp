#include <fstream>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "app/composition_root.h"
#include "core/error_codes.h"
#include "core/utf8.h"
#include "text/embedded_diacritizer.h"

namespace polyvox {
namespace {

int fail(const Error& error) {
  std::cerr << "polyvox diacritize: " << error.to_string() << "\n";
  return exit_code_for(error.kind);
}

// The line diacritized by `embedded`, then one line per word (DiacritizeArgs::explain).
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
             EmbeddedDiacritizer::source_name(w.source);
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
  std::ifstream in(args.input_path, std::ios::binary);
  if (!in) return fail(invalid_input("file", "cannot read '" + args.input_path + "'"));
  return diacritize_stream(in, *diacritizer);
}

}  // namespace polyvox
