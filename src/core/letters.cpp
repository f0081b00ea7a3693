#include "core/letters.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <map>

namespace polyvox {
namespace {

// Calls `visit` with each code point of `text`; malformed bytes are skipped.
template <typename Visit>
void for_each_code_point(std::string_view text, Visit visit) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(std::min<std::size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && !visit(c)) return;
  }
}

}  // namespace

bool has_letter_or_digit(std::string_view text) {
  bool found = false;
  for_each_code_point(text, [&found](UChar32 c) {
    found = u_isalpha(c) || u_isdigit(c);
    return !found;
  });
  return found;
}

std::vector<ScriptLetters> letters_by_script(std::string_view text) {
  std::map<UScriptCode, std::size_t> counts;
  for_each_code_point(text, [&counts](UChar32 c) {
    if (!u_isalpha(c)) return true;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    if (U_SUCCESS(status) && script != USCRIPT_COMMON && script != USCRIPT_INHERITED &&
        script != USCRIPT_UNKNOWN) {
      ++counts[script];
    }
    return true;
  });
  std::vector<ScriptLetters> scripts;
  for (const auto& [code, letters] : counts) {
    const char* name = uscript_getName(code);
    scripts.push_back({name ? name : "Unknown", letters});
  }
  std::sort(scripts.begin(), scripts.end(), [](const ScriptLetters& a, const ScriptLetters& b) {
    return a.letters != b.letters ? a.letters > b.letters : a.script < b.script;
  });
  return scripts;
}

}  // namespace polyvox
