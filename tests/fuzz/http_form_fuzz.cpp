// Percent-decoding, form bodies and query parameters (api/http_types.h) on arbitrary bytes.
// Decoding never grows the text; a form that parses decodes pair by pair as percent_decode
// would; no query value is longer than its query.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto plain = polyvox::percent_decode(text, false);
  const auto form = polyvox::percent_decode(text, true);
  check(plain.has_value() == form.has_value(), "form and plain decoding accept the same escapes");
  if (plain) {
    check(plain->size() <= text.size(), "percent_decode never grows the text");
    check(form->size() == plain->size(), "'+' decodes to one byte");
    if (text.find('%') == std::string_view::npos) {
      check(*plain == text, "text without escapes decodes to itself");
    }
  }

  const auto pairs = polyvox::parse_form(text);
  polyvox::HttpRequest request;
  request.query = std::string(text);
  if (pairs) {
    std::size_t bytes = 0;
    for (const auto& [name, value] : *pairs) bytes += name.size() + value.size();
    check(bytes <= text.size(), "a parsed form is no longer than its text");
    for (const auto& [name, value] : *pairs) {
      const auto found = request.query_param(name);
      if (found) check(found->size() <= text.size(), "a query value is no longer than the query");
    }
  }
  // A few fixed names, whatever the input.
  for (const char* name : {"id", "format", "", "a b"}) {
    const auto value = request.query_param(name);
    if (value) check(value->size() <= text.size(), "a query value is no longer than the query");
  }
  return 0;
}
