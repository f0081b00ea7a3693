#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace polyvox {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII"));
  EXPECT_TRUE(is_valid_utf8("العربية"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
}

TEST(Utf8Test, FindsFirstMalformedByte) {
  EXPECT_EQ(valid_utf8_prefix("ab\xC3\x28"), 2u);        // bad continuation
  EXPECT_EQ(valid_utf8_prefix("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(valid_utf8_prefix("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(valid_utf8_prefix("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(valid_utf8_prefix("abc\xE2\x82"), 3u);       // truncated
  EXPECT_EQ(valid_utf8_prefix("\xFF"), 0u);
}

// ASCII runs are checked eight bytes at a time: a malformed byte or a multibyte character at
// any offset of a word, and at the end of the text, is still found where it is.
TEST(Utf8Test, FindsTheMalformedByteAtEveryOffsetOfLongAsciiRuns) {
  for (std::size_t at = 0; at <= 24; ++at) {
    std::string text(at, 'a');
    EXPECT_EQ(valid_utf8_prefix(text), at);
    EXPECT_EQ(valid_utf8_prefix(text + "\xFF" + std::string(9, 'b')), at) << at;
    const std::string accented = text + "\xC3\xA9" + std::string(at, 'c');
    EXPECT_EQ(valid_utf8_prefix(accented), accented.size()) << at;
    EXPECT_EQ(valid_utf8_prefix(accented + "\xE2\x82"), accented.size()) << at;
    EXPECT_EQ(valid_utf8_prefix(text + "\xC3\x28" + std::string(16, 'd')), at) << at;
  }
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("مرحبا"), 5u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);
}

TEST(Utf8Test, TrimsAsciiAndUnicodeSpaces) {
  EXPECT_EQ(trim_utf8("  hi \t\n"), "hi");
  EXPECT_EQ(trim_utf8("\u00a0\u3000مرحبا\u200b"), "مرحبا");
  EXPECT_EQ(trim_utf8(" \u2003 "), "");
  EXPECT_EQ(trim_utf8("a b"), "a b");
}

}  // namespace
}  // namespace polyvox
