#include "text/script.h"

#include <cstdint>

namespace polyvox {
namespace {

bool is_arabic_letter(char32_t cp) {
  if (cp >= 0x064B && cp <= 0x065F) return false;  // marks
  if (cp >= 0x0660 && cp <= 0x0669) return false;  // digits
  if (cp >= 0x06F0 && cp <= 0x06F9) return false;  // extended digits
  if (cp == 0x060C || cp == 0x061B || cp == 0x061F || cp == 0x06D4) return false;  // punctuation
  return (cp >= 0x0620 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
         (cp >= 0x08A0 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
         (cp >= 0xFE70 && cp <= 0xFEFF);
}

// Letters of other scripts: ASCII and Latin-1/Extended letters, Greek, Cyrillic, and anything
// above U+0800 that is not Arabic and not punctuation or a symbol block (CJK counts).
bool is_other_letter(char32_t cp) {
  if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return true;
  if (cp >= 0x00C0 && cp <= 0x05FF && cp != 0x00D7 && cp != 0x00F7) return true;
  return cp >= 0x0900 && !(cp >= 0x2000 && cp <= 0x2BFF) && !(cp >= 0x3000 && cp <= 0x303F) &&
         !(cp >= 0xFB50 && cp <= 0xFEFF);
}

}  // namespace

bool is_mostly_arabic(std::string_view text) {
  std::size_t arabic = 0, other = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<uint8_t>(text[i]);
    std::size_t length = lead < 0x80         ? 1
                         : lead >> 5 == 0x6  ? 2
                         : lead >> 4 == 0xE  ? 3
                         : lead >> 3 == 0x1E ? 4
                                             : 0;
    if (length == 0 || i + length > text.size()) {
      ++i;  // a stray byte: skipped
      continue;
    }
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (next & 0x3F);
    }
    i += valid ? length : 1;
    if (!valid) continue;
    if (is_arabic_letter(cp)) {
      ++arabic;
    } else if (is_other_letter(cp)) {
      ++other;
    }
  }
  return arabic > other;
}

}  // namespace polyvox
