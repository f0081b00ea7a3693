#include "text/mark_merge.h"

#include <gtest/gtest.h>

#include <string>

#include "core/utf8.h"

namespace polyvox {
namespace {

// What the test suite's diacritization server answers (tests/support/mock_vendors.py): a fatha
// after every Arabic letter (U+0621..U+064A).
std::string vocalized(const std::string& text) {
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t cp = next_code_point(text, pos);
    append_utf8(out, cp);
    if (cp >= 0x621 && cp <= 0x64A) append_utf8(out, 0x064E);
  }
  return out;
}

TEST(MarkMergeTest, AnAnswerOfTheSameTextGivesItsMarks) {
  const MergedMarks merged = merge_marks("كتب الولد", "كَتَبَ الْوَلَدُ");
  EXPECT_EQ(merged.text, "كَتَبَ الْوَلَدُ");
  EXPECT_TRUE(merged.same_text);
  EXPECT_EQ(merged.letters, 8u);
  EXPECT_EQ(merged.letters_aligned, 8u);
  EXPECT_EQ(merged.marks_added, 7u);  // the alef of the article has none
}

TEST(MarkMergeTest, MarksTheUserWroteAreKept) {
  // Letters and marks spelled out: the order of marks matters here.
  const std::string kaf = "\u0643", ta = "\u062A", ba = "\u0628", mim = "\u0645", dal = "\u062F";
  const std::string fatha = "\u064E", fathatan = "\u064B", damma = "\u064F", shadda = "\u0651";
  // A given damma stays; the answer's fatha on that letter is not added beside it.
  EXPECT_EQ(merge_marks(kaf + damma + ta + ba, kaf + fatha + ta + fatha + ba + fatha).text,
            kaf + damma + ta + fatha + ba + fatha);
  // A lone shadda may get the answer's vowel (written before or after the answer's shadda)...
  EXPECT_EQ(merge_marks(mim + shadda + dal, mim + fatha + shadda + dal + shadda).text,
            mim + shadda + fatha + dal + shadda);
  EXPECT_EQ(merge_marks(mim + shadda + dal, mim + shadda + dal + fatha).text,
            mim + shadda + dal + fatha);
  // ... but not a vowel the answer wrote without a shadda: the letter keeps what it has.
  EXPECT_EQ(merge_marks(mim + shadda + dal, mim + fatha + dal + fatha).text,
            mim + shadda + dal + fatha);
  // A lone vowel may get a shadda; another vowel is not added.
  EXPECT_EQ(merge_marks(mim + fatha + dal, mim + fatha + shadda + dal).text,
            mim + fatha + shadda + dal);
  EXPECT_EQ(merge_marks(mim + fatha + dal, mim + damma + shadda + dal).text, mim + fatha + dal);
  // Two given marks: nothing is added.
  EXPECT_EQ(merge_marks(mim + fatha + shadda + dal, mim + fathatan + dal).text,
            mim + fatha + shadda + dal);
}

TEST(MarkMergeTest, AWordTheAnswerDroppedIsKeptUnmarked) {
  const std::string text = "ذهب محمد إلى السوق";
  const MergedMarks merged = merge_marks(text, vocalized("ذهب إلى السوق"));
  EXPECT_EQ(merged.text, vocalized("ذهب ") + "محمد " + vocalized("إلى السوق"));
  EXPECT_FALSE(merged.same_text);
  EXPECT_EQ(merged.letters, 15u);
  EXPECT_EQ(merged.letters_aligned, 11u);
}

TEST(MarkMergeTest, AWordChangedInTheMiddleIsAlignedAround) {
  // The first and last words differ too, so the alignment is not a prefix and a suffix only.
  const MergedMarks merged = merge_marks("قرأ الطالب الكتاب", vocalized("قرا الطالب كتاب"));
  EXPECT_EQ(merged.text, vocalized("قر") + "أ" + vocalized(" الطالب ") + "ال" + vocalized("كتاب"));
  EXPECT_EQ(merged.letters_aligned, 12u);
}

TEST(MarkMergeTest, AnAnswerCutShortLeavesTheRestUnmarked) {
  EXPECT_EQ(merge_marks("بسم الله الرحمن", vocalized("بسم الل")).text,
            vocalized("بسم الل") + "ه الرحمن");
}

TEST(MarkMergeTest, TheUsersOtherCharactersStayAsTheyCame) {
  // The answer changed the comma, the case of the Latin word, the spacing and the question mark.
  const std::string text = "مرحبا،  Polyvox 2.0? 😀 بيت";
  const MergedMarks merged = merge_marks(text, vocalized("مرحبا, polyvox 2.0؟ 😀 بيت"));
  EXPECT_EQ(merged.text, vocalized("مرحبا") + "،  Polyvox 2.0? 😀 " + vocalized("بيت"));
  EXPECT_EQ(merged.letters, 8u);
  EXPECT_EQ(merged.letters_aligned, 8u);
}

TEST(MarkMergeTest, MarksAreOnlyAddedAfterLetters) {
  // The answer's marks after a Latin letter, a digit, a space or at the start are not taken.
  EXPECT_EQ(merge_marks("a 1 ب", "\u064Ea\u064E \u064F1\u064E بِ").text, "a 1 بِ");
  // Marks the user wrote before any letter stay where they are.
  EXPECT_EQ(merge_marks("\u064Eب", "\u064Eبُ").text, "\u064Eبُ");
  EXPECT_EQ(merge_marks("\u064Eب", "بُ").text, "\u064Eبُ");
}

TEST(MarkMergeTest, DecomposedHamzaKeepsItsPlaceAndTakesTheMarkAfterIt) {
  // أَسَدٌ with the hamza written as a combining mark after the alef.
  EXPECT_EQ(merge_marks("ا\u0654سد", "ا\u0654\u064Eسَدٌ").text, "ا\u0654\u064Eسَدٌ");
  // The answer composed it: another character, left unmarked; the rest still aligns.
  EXPECT_EQ(merge_marks("ا\u0654سد", "أَسَدٌ").text, "ا\u0654سَدٌ");
}

TEST(MarkMergeTest, AnUnrelatedOrMalformedAnswerChangesNothingButWhatMatches) {
  const std::string text = "نص عربي";
  const MergedMarks unrelated = merge_marks(text, "I cannot help with that.");
  EXPECT_EQ(unrelated.text, text);
  EXPECT_EQ(unrelated.letters_aligned, 0u);
  EXPECT_EQ(unrelated.marks_added, 0u);
  EXPECT_FALSE(unrelated.same_text);
  EXPECT_EQ(merge_marks(text, "").text, text);
  // Bytes that are not UTF-8 are read as replacement characters: the rest still aligns.
  const MergedMarks malformed = merge_marks(text, "\xff\xc0\x80" + vocalized(text) + "\xe2\x82");
  EXPECT_EQ(malformed.text, vocalized(text));
  EXPECT_FALSE(malformed.same_text);
  EXPECT_EQ(merge_marks("", vocalized(text)).text, "");
}

TEST(MarkMergeTest, AMiddleTooLargeToAlignIsLeftUnmarkedButItsEndsAlign) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "بتث";                                        // 300 letters
  const std::string head = text.substr(0, 60), tail = text.substr(text.size() - 60);  // 30 each
  const std::string answer = vocalized(head) + std::string(10000, 'x') + vocalized(tail);
  const MergedMarks merged = merge_marks(text, answer);
  EXPECT_EQ(merged.text, vocalized(head) + text.substr(60, text.size() - 120) + vocalized(tail));
  EXPECT_EQ(merged.letters, 300u);
  EXPECT_EQ(merged.letters_aligned, 60u);
}

}  // namespace
}  // namespace polyvox
