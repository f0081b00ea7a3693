#include "text/text_splitter.h"

#include <cstdint>

#include "core/utf8.h"

namespace polyvox {
namespace {

// Code point boundaries of `text`: byte offsets where each code point starts, plus the end.
std::vector<std::size_t> boundaries(std::string_view text) {
  std::vector<std::size_t> b;
  b.reserve(text.size() + 1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<uint8_t>(text[i]) & 0xC0) != 0x80) b.push_back(i);
  }
  b.push_back(text.size());
  return b;
}

// The code point starting at byte `at`.
std::string_view char_at(std::string_view text, const std::vector<std::size_t>& b, std::size_t k) {
  return text.substr(b[k], b[k + 1] - b[k]);
}

bool is_space(std::string_view c) {
  return c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u00a0" || c == "\u3000";
}

char32_t code_point(std::string_view c) {
  std::size_t pos = 0;
  return next_code_point(c, pos);
}

// A code point that belongs with the one before it: a combining mark (Latin, Hebrew, Arabic and
// the general blocks), a variation selector, an emoji skin tone or a zero-width joiner.
bool joins_previous(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
         (cp >= 0x0591 && cp <= 0x05C7) || (cp >= 0x0610 && cp <= 0x061A) ||
         (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 || (cp >= 0x06D6 && cp <= 0x06ED) ||
         (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) || cp == 0x200D ||
         (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0100 && cp <= 0xE01EF);
}

// How good a cut after code point k is: 3 after a sentence end, 2 after a clause mark, 1 after a
// space, 0 anywhere else but -1 inside a character as written (before a combining mark, a
// joiner's neighbour: a letter parted from its marks, half an emoji). A cut "after"
// punctuation keeps the punctuation with its sentence.
int cut_quality(std::string_view text, const std::vector<std::size_t>& b, std::size_t k) {
  const std::string_view c = char_at(text, b, k);
  if (k + 2 < b.size() &&
      (code_point(c) == 0x200D || joins_previous(code_point(char_at(text, b, k + 1))))) {
    return -1;
  }
  const bool next_is_space_or_end = k + 2 >= b.size() || is_space(char_at(text, b, k + 1));
  if ((c == "." || c == "!" || c == "?" || c == "\u061f" || c == "\u06d4" || c == "\u3002" ||
       c == "\u2026") &&
      next_is_space_or_end) {
    return 3;
  }
  if (c == "\n") return 3;
  if ((c == "," || c == ";" || c == ":" || c == "\u060c" || c == "\u061b" || c == "\u2014" ||
       c == "\u2013" || c == ")") &&
      next_is_space_or_end) {
    return 2;
  }
  if (is_space(c)) return 1;
  return 0;
}

// Whether `part` has a letter or digit of any script: ASCII letters and digits, and every other
// character but the general punctuation block (U+2000..U+206F), CJK punctuation (U+3000..U+303F)
// and the Arabic comma, semicolon, question mark and full stop.
bool has_word_character(std::string_view part) {
  for (std::size_t i = 0; i < part.size();) {
    const auto byte = static_cast<uint8_t>(part[i]);
    if (byte < 0x80) {
      if ((byte >= '0' && byte <= '9') || ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z')) {
        return true;
      }
      ++i;
      continue;
    }
    std::size_t length = 1;
    while (i + length < part.size() && (static_cast<uint8_t>(part[i + length]) & 0xC0) == 0x80) {
      ++length;
    }
    const std::string_view c = part.substr(i, length);
    const bool punctuation = c == "\u060c" || c == "\u061b" || c == "\u061f" || c == "\u06d4" ||
                             (c >= "\u2000" && c <= "\u206f") || (c >= "\u3000" && c <= "\u303f");
    if (!punctuation) return true;
    i += length;
  }
  return false;
}

std::string_view trim_spaces(std::string_view text, const std::vector<std::size_t>& b,
                             std::size_t from, std::size_t to) {
  while (from < to && is_space(char_at(text, b, from))) ++from;
  while (to > from && is_space(char_at(text, b, to - 1))) --to;
  return text.substr(b[from], b[to] - b[from]);
}

}  // namespace

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> sentences;
  const auto b = boundaries(text);
  const std::size_t count = b.size() - 1;
  auto add = [&](std::size_t from, std::size_t to) {
    const std::string_view part = trim_spaces(text, b, from, to);
    if (part.empty()) return;
    if (!has_word_character(part) && !sentences.empty()) {
      sentences.back() += " " + std::string(part);
    } else if (!sentences.empty() && !has_word_character(sentences.back())) {
      sentences.back() += " " + std::string(part);
    } else {
      sentences.emplace_back(part);
    }
  };
  std::size_t start = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (cut_quality(text, b, k) == 3) {
      add(start, k + 1);
      start = k + 1;
    }
  }
  add(start, count);
  return sentences;
}

std::vector<std::string> split_text(std::string_view text, std::size_t max_chars) {
  std::vector<std::string> parts;
  const auto b = boundaries(text);
  const std::size_t count = b.size() - 1;  // code points
  std::size_t start = 0;                   // in code points
  while (start < count) {
    if (count - start <= max_chars) {
      parts.emplace_back(text.substr(b[start]));
      break;
    }
    // The best cut within the window, the latest one of the best quality, looking first in
    // the last two thirds of the window so that parts do not come out tiny; trailing spaces of
    // the cut go with the part before it.
    std::size_t best = start + max_chars - 1;  // cut after this code point
    int best_quality = -1;
    const std::size_t preferred_from = start + max_chars / 3;
    auto search = [&](std::size_t from, std::size_t to) {
      for (std::size_t k = to; k-- > from;) {
        const int q = cut_quality(text, b, k);
        if (q > best_quality) {
          best_quality = q;
          best = k;
          if (q == 3) break;
        }
      }
    };
    search(preferred_from, start + max_chars);
    if (best_quality <= 0) search(start, preferred_from);
    std::size_t end = best + 1;
    while (end < count && end - start < max_chars && is_space(char_at(text, b, end))) ++end;
    parts.emplace_back(text.substr(b[start], b[end] - b[start]));
    start = end;
  }
  return parts;
}

}  // namespace polyvox
