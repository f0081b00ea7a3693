#include "text/text_splitter.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace polyvox {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

TEST(TextSplitterTest, ShortTextIsOnePart) {
  EXPECT_EQ(split_text("Hello there.", 100), std::vector<std::string>{"Hello there."});
  EXPECT_TRUE(split_text("", 10).empty());
}

TEST(TextSplitterTest, CutsAtSentenceEndsFirst) {
  const std::string text = "First sentence here. Second one, with a clause, is longer. Third.";
  auto parts = split_text(text, 45);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "First sentence here. ");
  EXPECT_EQ(join(parts), text);
}

TEST(TextSplitterTest, FallsBackToClausesThenWords) {
  const std::string clauses = "one two three, four five six, seven eight nine";
  auto parts = split_text(clauses, 20);
  EXPECT_EQ(parts[0], "one two three, ");
  EXPECT_EQ(join(parts), clauses);
  const std::string words = "alpha beta gamma delta epsilon zeta";
  parts = split_text(words, 12);
  for (const auto& p : parts) EXPECT_LE(utf8_length(p), 12u) << p;
  EXPECT_EQ(parts[0], "alpha beta ");
  EXPECT_EQ(join(parts), words);
}

TEST(TextSplitterTest, CutsInsideAWordOnlyWhenItMust) {
  const std::string word = "abcdefghijklmnopqrstuvwxyz";
  auto parts = split_text(word, 10);
  EXPECT_EQ(parts, (std::vector<std::string>{"abcdefghij", "klmnopqrst", "uvwxyz"}));
}

TEST(TextSplitterTest, CountsCodePointsAndNeverSplitsOne) {
  const std::string arabic = "مرحبا بالعالم. كيف حالك اليوم؟ أنا بخير، شكرا لك.";
  for (std::size_t limit = 1; limit < 60; ++limit) {
    auto parts = split_text(arabic, limit);
    EXPECT_EQ(join(parts), arabic) << limit;
    for (const auto& p : parts) {
      EXPECT_TRUE(is_valid_utf8(p)) << limit;
      EXPECT_LE(utf8_length(p), limit);
    }
  }
  auto parts = split_text(arabic, 20);
  EXPECT_EQ(parts[0], "مرحبا بالعالم. ");
}

// A cut inside a word never parts a letter from its marks (a diacritizer or a voice would read
// marks with no letter), nor half an emoji from its joiner.
TEST(TextSplitterTest, ACutInsideAWordKeepsEachLetterWithItsMarks) {
  std::string marked;
  for (int i = 0; i < 100; ++i) marked += "\u0628\u064e\u0651";  // بَّ: a letter, two marks
  for (const std::size_t max : {7u, 10u, 32u, 256u}) {
    const auto parts = split_text(marked, max);
    std::string joined;
    for (const auto& part : parts) {
      EXPECT_EQ(part.substr(0, 2), "\u0628") << max;  // each part starts with the letter
      joined += part;
    }
    EXPECT_EQ(joined, marked);
  }
  std::string family;
  for (int i = 0; i < 20; ++i) family += "\U0001F469\u200D\U0001F467";  // woman ZWJ girl
  for (const auto& part : split_text(family, 4)) EXPECT_EQ(part.substr(0, 4), "\U0001F469");
}

TEST(TextSplitterTest, LongTextPartsStayNearTheLimit) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Sentence number " + std::to_string(i) + " is here. ";
  auto parts = split_text(text, 4096);
  EXPECT_EQ(join(parts), text);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    EXPECT_GT(utf8_length(parts[i]), 4096u / 3);
    EXPECT_EQ(parts[i].substr(parts[i].size() - 2), ". ");
  }
}

TEST(SplitSentencesTest, OneSentencePerPartTrimmed) {
  EXPECT_EQ(split_sentences("  One.  Two!\nThree? Four"),
            (std::vector<std::string>{"One.", "Two!", "Three?", "Four"}));
}

TEST(SplitSentencesTest, ArabicFullStopsAndQuestionMarkEndSentences) {
  EXPECT_EQ(
      split_sentences("\u0645\u0631\u062d\u0628\u0627\u061f \u0646\u0639\u0645."),
      (std::vector<std::string>{"\u0645\u0631\u062d\u0628\u0627\u061f", "\u0646\u0639\u0645."}));
}

TEST(SplitSentencesTest, NoCutInsideNumbersOrAbbreviationsWithoutSpace) {
  EXPECT_EQ(split_sentences("Pi is 3.14 today."), (std::vector<std::string>{"Pi is 3.14 today."}));
}

TEST(SplitSentencesTest, PunctuationOnlyPartsJoinTheirNeighbour) {
  EXPECT_EQ(split_sentences("... Hello. \u2026 !"),
            (std::vector<std::string>{"... Hello. \u2026 !"}));
  EXPECT_EQ(split_sentences("Hi. ... Bye."), (std::vector<std::string>{"Hi. ...", "Bye."}));
  EXPECT_TRUE(split_sentences(" \n ").empty());
}

}  // namespace
}  // namespace polyvox
