#include "core/utf8.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace polyvox {
namespace {

// Decodes the code point at text[i], advancing i. Returns -1 on malformed input.
int32_t decode_at(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > text.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

bool is_space(int32_t cp) {
  switch (cp) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\v':
    case '\f':
    case 0x00A0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200B;
  }
}

}  // namespace

std::size_t valid_utf8_prefix(std::string_view text) {
  // Eight bytes at a time while they are ASCII (every JSON the API writes passes here).
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i + sizeof(uint64_t) <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & kHighBits) != 0) break;
      i += sizeof word;
    }
    if (i == text.size()) break;
    std::size_t next = i;
    if (decode_at(text, next) < 0) break;
    i = next;
  }
  return i;
}

std::string to_valid_utf8(std::string_view text) {
  std::size_t valid = valid_utf8_prefix(text);
  if (valid == text.size()) return std::string(text);
  std::string out(text.substr(0, valid));
  for (std::size_t i = valid; i < text.size();) {
    std::size_t next = i;
    if (decode_at(text, next) >= 0) {
      out.append(text.substr(i, next - i));
      i = next;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

std::string_view trim_utf8(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t next = begin;
    if (!is_space(decode_at(text, next))) break;
    begin = next;
  }
  std::size_t end = text.size();
  while (end > begin) {
    std::size_t start = end - 1;  // back up to the first byte of the last code point
    while (start > begin && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t probe = start;
    if (!is_space(decode_at(text, probe))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::optional<ControlCharacter> find_unspeakable_control(std::string_view text) {
  std::size_t index = 0;
  for (std::size_t pos = 0; pos < text.size(); ++index) {
    const char32_t cp = next_code_point(text, pos);
    if (is_unspeakable_control(cp)) return ControlCharacter{index, cp};
  }
  return std::nullopt;
}

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

std::string unspeakable_control_message(const ControlCharacter& control) {
  return "must not contain control characters (" + code_point_name(control.code_point) +
         " at character " + std::to_string(control.index + 1) +
         "); line breaks and tabs may be used";
}

std::string with_ascii_controls_as_spaces(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80 && is_unspeakable_control(byte)) c = ' ';
  }
  return out;
}

std::string with_word_processor_hyphens(std::string text) {
  if (text.find_first_of("\x1E\x1F") == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (const char c : text) {
    if (c == '\x1E') {
      append_utf8(out, 0x2011);
    } else if (c == '\x1F') {
      append_utf8(out, 0x00AD);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace polyvox
