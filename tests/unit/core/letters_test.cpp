#include "core/letters.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(LettersTest, LettersAndDigitsOfAnyScriptAreSpeakable) {
  for (const char* text : {"a", "7", "\u00e9", "\u0628", "\u0661", "\u4e2d", "\u3042", "\u0416",
                           "... x ...", "\u05d0"}) {
    EXPECT_TRUE(has_letter_or_digit(text)) << text;
  }
}

TEST(LettersTest, PunctuationSymbolsMarksAndSpacesAreNot) {
  for (const char* text : {"", "...", " \t\n", "\u2026", "\u061f\u060c", "\U0001F600",
                           "+-*/=", "\u064e\u0651", "\u00a0\u200b", "\xff\xfe"}) {
    EXPECT_FALSE(has_letter_or_digit(text)) << text;
  }
}

TEST(LettersTest, CountsLettersByScriptMostFirst) {
  const auto scripts =
      letters_by_script("Hello there \u0645\u0631\u062d\u0628\u0627 123 \u0416\u064e!");
  ASSERT_EQ(scripts.size(), 3u);
  EXPECT_EQ(scripts[0].script, "Latin");
  EXPECT_EQ(scripts[0].letters, 10u);
  EXPECT_EQ(scripts[1].script, "Arabic");
  EXPECT_EQ(scripts[1].letters, 5u);  // the mark (fatha) and the digits are no letters
  EXPECT_EQ(scripts[2].script, "Cyrillic");
  EXPECT_EQ(scripts[2].letters, 1u);
}

TEST(LettersTest, JapaneseIsSeveralScripts) {
  const auto scripts = letters_by_script("\u65e5\u672c\u8a9e\u3067\u3059\u30ab\u30bf");
  ASSERT_EQ(scripts.size(), 3u);
  EXPECT_EQ(scripts[0].script, "Han");
  EXPECT_EQ(scripts[1].script, "Hiragana");  // a tie with Katakana: by name
  EXPECT_EQ(scripts[2].script, "Katakana");
}

}  // namespace
}  // namespace polyvox
