// Arabic letters, the eight diacritic marks and the 15 mark classes of the diacritization
// benchmark (rules: tools/score_diacritics.py). Mirrors tools/train_diacritizer/arabic.py.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace polyvox::arabic {

inline constexpr char32_t kFathatan = 0x064B, kDammatan = 0x064C, kKasratan = 0x064D,
                          kFatha = 0x064E, kDamma = 0x064F, kKasra = 0x0650, kShadda = 0x0651,
                          kSukun = 0x0652;

// One of U+064B..U+0652.
constexpr bool is_mark(char32_t cp) { return cp >= kFathatan && cp <= kSukun; }

// One of the 36 letters the benchmark scores (U+0621..U+063A, U+0641..U+064A).
constexpr bool is_letter(char32_t cp) {
  return (cp >= 0x0621 && cp <= 0x063A) || (cp >= 0x0641 && cp <= 0x064A);
}

// An Arabic combining mark other than the eight: Quranic and honorific signs (U+0610..U+061A,
// U+06D6..U+06ED but the letter-like ones), madda and hamza above / below (U+0653..U+0655), the
// other marks U+0656..U+065F, and the superscript alef (U+0670). Text may carry them (e.g. the
// superscript alef in هٰذا, or hamza forms written decomposed, as in NFD text); the model never
// saw them: they stay in place with the base they follow, and the model reads past them.
constexpr bool is_other_mark(char32_t cp) {
  return (cp >= 0x0610 && cp <= 0x061A) || (cp >= 0x0653 && cp <= 0x065F) || cp == 0x0670 ||
         (cp >= 0x06D6 && cp <= 0x06DC) || (cp >= 0x06DF && cp <= 0x06E4) || cp == 0x06E7 ||
         cp == 0x06E8 || (cp >= 0x06EA && cp <= 0x06ED);
}

// The letter `base` followed by the combining madda or hamza `mark` (U+0653..U+0655) is, composed
// (آ أ إ ؤ ئ); `base` itself when they do not compose.
constexpr char32_t compose_hamza(char32_t base, char32_t mark) {
  if (base == 0x0627) {
    return mark == 0x0653 ? 0x0622 : mark == 0x0654 ? 0x0623 : mark == 0x0655 ? 0x0625 : base;
  }
  if (mark != 0x0654) return base;
  return base == 0x0648 ? 0x0624 : base == 0x064A || base == 0x0649 ? 0x0626 : base;
}

// Class ids: 0 none; 1..6 fatha, fathatan, damma, dammatan, kasra, kasratan; 7 sukun; 8 shadda;
// 9..14 shadda with each of the six vowels (same order).
inline constexpr int kNumClasses = 15;
inline constexpr int kShaddaClass = 8;

// The marks written for class `c`, shadda first. REQUIRES: 0 <= c < kNumClasses.
std::span<const char32_t> class_marks(int c);

// Class of the marks written after a letter: shadda with a vowel in either order is a combined
// class; any other pair counts as its first mark; a third mark is ignored.
int class_of(std::span<const char32_t> marks);

// A class the model may choose for a letter whose given marks are fixed, with the marks to
// append after them.
struct AllowedClass {
  int mark_class = 0;
  std::array<char32_t, 2> added{};
  int added_count = 0;
};

// The choices for a letter that already carries `given` marks: every class when none; for a
// lone shadda, shadda alone or with any vowel; for a lone vowel, that vowel alone or with a
// shadda; otherwise only the given marks themselves (nothing added).
std::vector<AllowedClass> allowed_classes(std::span<const char32_t> given);

}  // namespace polyvox::arabic
