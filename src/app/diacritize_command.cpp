#include <fstream>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "app/composition_root.h"
#include "core/error_codes.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

int fail(const Error& error) {
  std::cerr << "polyvox diacritize: " << error.to_string() << "\n";
  return exit_code_for(error.kind);
}

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
  auto diacritizer = open_diacritizer(config);
  if (args.input_path.empty()) return diacritize_stream(std::cin, *diacritizer);
  std::ifstream in(args.input_path, std::ios::binary);
  if (!in) return fail(invalid_input("file", "cannot read '" + args.input_path + "'"));
  return diacritize_stream(in, *diacritizer);
}

}  // namespace polyvox
