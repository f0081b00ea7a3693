#include "core/utf8.h"

#include <gtest/gtest.h>

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
