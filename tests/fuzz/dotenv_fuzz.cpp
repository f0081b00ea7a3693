// The .env reader (app/config.h Environment::parse_dotenv) on arbitrary bytes. Properties: it
// reads the text or refuses it with std::invalid_argument naming the file and a line (nothing
// else is thrown), and what it reads is never longer than the text.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "app/config.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto env = polyvox::Environment::parse_dotenv(text, "fuzz.env");
    // A key that the fuzzer is unlikely to have made reads as unset or as no more than the text.
    if (auto value = env.get("POLYVOX_FUZZ_KEY")) check(value->size() <= size, "value within text");
  } catch (const std::invalid_argument& e) {
    check(std::string_view(e.what()).starts_with("fuzz.env line "), "the error names the line");
  }
  return 0;
}
