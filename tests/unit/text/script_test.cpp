#include "text/script.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(ScriptTest, ArabicLettersOutnumberingOthersIsArabic) {
  EXPECT_TRUE(is_mostly_arabic("\u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645."));
  EXPECT_TRUE(is_mostly_arabic("\u0627\u0644\u0633\u0644\u0627\u0645 OK"));
  EXPECT_FALSE(is_mostly_arabic("Hello \u0628"));
  EXPECT_FALSE(is_mostly_arabic("Hello, world."));
}

TEST(ScriptTest, MarksDigitsAndPunctuationDoNotCount) {
  // Only diacritics, Arabic-Indic digits and the Arabic question mark: no letters at all.
  EXPECT_FALSE(is_mostly_arabic("\u064e\u064f\u0661\u0662\u061f"));
  EXPECT_FALSE(is_mostly_arabic(""));
}

TEST(ScriptTest, MalformedBytesCountAsNothing) {
  EXPECT_TRUE(is_mostly_arabic("\xff\xfe\u0628\xc3"));
}

}  // namespace
}  // namespace polyvox
