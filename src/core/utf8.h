// UTF-8 helpers for validation: well-formedness, code point counts, trimming.
#pragma once

#include <cstddef>
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

// Number of code points. REQUIRES: is_valid_utf8(text).
std::size_t utf8_length(std::string_view text);

// `text` without leading/trailing white space (ASCII space/tab/CR/LF/VT/FF and the Unicode
// spaces U+00A0, U+1680, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF).
// REQUIRES: is_valid_utf8(text).
std::string_view trim_utf8(std::string_view text);

}  // namespace polyvox
