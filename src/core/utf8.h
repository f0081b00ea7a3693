// UTF-8 helpers: well-formedness, decoding and encoding code points, counts, trimming.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace polyvox {

// Length in bytes of the longest well-formed UTF-8 prefix of `text` (no overlongs, no surrogates,
// nothing above U+10FFFF): the offset of the first malformed byte, or text.size().
std::size_t valid_utf8_prefix(std::string_view text);

// True when all of `text` is well-formed UTF-8.
inline bool is_valid_utf8(std::string_view text) { return valid_utf8_prefix(text) == text.size(); }

// `text` with each malformed byte replaced by U+FFFD (the replacement character): always valid
// UTF-8, the same as `text` when it already was.
std::string to_valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut a character in two.
// REQUIRES: is_valid_utf8(text).
std::string_view cut_utf8(std::string_view text, std::size_t max_bytes);

// Decodes the code point at `pos` and advances `pos` past it. REQUIRES: is_valid_utf8(text),
// pos < text.size(), text[pos] the first byte of a character.
inline char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  ++pos;
  while (extra-- > 0) cp = (cp << 6) | (byte(pos++) & 0x3F);
  return cp;
}

// Appends `cp` in UTF-8. REQUIRES: a Unicode scalar value (at most U+10FFFF, not a surrogate).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
    return;
  }
  if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
  } else {
    if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    }
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
  }
  out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
}

// Number of code points. REQUIRES: is_valid_utf8(text).
std::size_t utf8_length(std::string_view text);

// `text` without leading/trailing white space (ASCII space/tab/CR/LF/VT/FF and the Unicode
// spaces U+00A0, U+1680, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF).
// REQUIRES: is_valid_utf8(text).
std::string_view trim_utf8(std::string_view text);

// A control character in text to be spoken: C0 (U+0000..U+001F) and DEL (U+007F), except the
// ones that lay text out (tab, line feed, vertical tab, form feed, carriage return). Speech
// engines act on them (espeak-ng reads U+0001 as the start of a command; a NUL ends a C string)
// rather than speak them. C1 (U+0080..U+009F) passes: it is mostly Windows-1252 punctuation
// decoded as Latin-1 (curly quotes as U+0093, U+0094), harmless to every engine. Pure.
constexpr bool is_unspeakable_control(char32_t cp) {
  if (cp == U'\t' || cp == U'\n' || cp == 0x0B || cp == 0x0C || cp == U'\r') return false;
  return cp < 0x20 || cp == 0x7F;
}

// `text` with the two control characters word processors use for hyphens written as what they
// mean: U+001E (Word's non-breaking hyphen) as U+2011 and U+001F (its optional hyphen) as U+00AD
// (soft hyphen). Text pulled from a document by a program carries them. Pure; `text` itself
// when it has neither.
std::string with_word_processor_hyphens(std::string text);

struct ControlCharacter {
  std::size_t index = 0;  // in code points from the start
  char32_t code_point = 0;
};

// The first character of `text` for which is_unspeakable_control() holds, or nullopt.
// REQUIRES: is_valid_utf8(text).
std::optional<ControlCharacter> find_unspeakable_control(std::string_view text);

// "U+0001": the notation of `cp` in messages.
std::string code_point_name(char32_t cp);

// `text` with each ASCII control character for which is_unspeakable_control() holds (NUL,
// U+0001 ... DEL) replaced by a space, byte for byte (offsets and lengths unchanged): what a local
// speech engine is given, whatever the text came through (the job parser refuses them; a
// remote diacritizer's answer or a stored job might not). Pure.
std::string with_ascii_controls_as_spaces(std::string_view text);

// The message of a field holding `control`: "must not contain control characters (U+0001 at
// character 9); line breaks and tabs may be used".
std::string unspeakable_control_message(const ControlCharacter& control);

}  // namespace polyvox
