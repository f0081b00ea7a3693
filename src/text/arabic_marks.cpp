#include "text/arabic_marks.h"

namespace polyvox::arabic {
namespace {

constexpr std::array<char32_t, 6> kVowels = {kFatha,    kFathatan, kDamma,
                                             kDammatan, kKasra,    kKasratan};

// Marks of each class, shadda first; second entry 0 when the class has one mark.
constexpr std::array<std::array<char32_t, 2>, kNumClasses> kClassMarks = {{
    {0, 0},
    {kFatha, 0},
    {kFathatan, 0},
    {kDamma, 0},
    {kDammatan, 0},
    {kKasra, 0},
    {kKasratan, 0},
    {kSukun, 0},
    {kShadda, 0},
    {kShadda, kFatha},
    {kShadda, kFathatan},
    {kShadda, kDamma},
    {kShadda, kDammatan},
    {kShadda, kKasra},
    {kShadda, kKasratan},
}};

int vowel_index(char32_t cp) {
  for (std::size_t i = 0; i < kVowels.size(); ++i) {
    if (kVowels[i] == cp) return static_cast<int>(i);
  }
  return -1;
}

int single_class(char32_t mark) {
  if (mark == kSukun) return 7;
  if (mark == kShadda) return kShaddaClass;
  return 1 + vowel_index(mark);
}

int shadda_class(char32_t vowel) { return 9 + vowel_index(vowel); }

}  // namespace

std::span<const char32_t> class_marks(int c) {
  const auto& marks = kClassMarks[static_cast<std::size_t>(c)];
  const std::size_t count = c == 0 ? 0 : (marks[1] == 0 ? 1 : 2);
  return std::span<const char32_t>(marks.data(), count);
}

int class_of(std::span<const char32_t> marks) {
  if (marks.empty()) return 0;
  if (marks.size() >= 2) {
    if (marks[0] == kShadda && vowel_index(marks[1]) >= 0) return shadda_class(marks[1]);
    if (marks[1] == kShadda && vowel_index(marks[0]) >= 0) return shadda_class(marks[0]);
  }
  return single_class(marks[0]);
}

std::vector<AllowedClass> allowed_classes(std::span<const char32_t> given) {
  std::vector<AllowedClass> result;
  if (given.empty()) {
    for (int c = 0; c < kNumClasses; ++c) {
      AllowedClass a{c, {}, 0};
      for (char32_t m : class_marks(c)) a.added[static_cast<std::size_t>(a.added_count++)] = m;
      result.push_back(a);
    }
  } else if (given.size() == 1 && given[0] == kShadda) {
    result.push_back({kShaddaClass, {}, 0});
    for (char32_t v : kVowels) result.push_back({shadda_class(v), {v, 0}, 1});
  } else if (given.size() == 1 && vowel_index(given[0]) >= 0) {
    result.push_back({single_class(given[0]), {}, 0});
    result.push_back({shadda_class(given[0]), {kShadda, 0}, 1});
  } else {
    result.push_back({class_of(given), {}, 0});
  }
  return result;
}

}  // namespace polyvox::arabic
