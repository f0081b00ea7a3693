#include "text/arabic_marks.h"

#include <gtest/gtest.h>

#include <vector>

namespace polyvox::arabic {
namespace {

int class_of_marks(std::vector<char32_t> marks) { return class_of(marks); }

TEST(ArabicMarksTest, ClassifiesSingleMarks) {
  EXPECT_EQ(class_of_marks({}), 0);
  EXPECT_EQ(class_of_marks({kFatha}), 1);
  EXPECT_EQ(class_of_marks({kKasratan}), 6);
  EXPECT_EQ(class_of_marks({kSukun}), 7);
  EXPECT_EQ(class_of_marks({kShadda}), kShaddaClass);
}

TEST(ArabicMarksTest, ShaddaWithVowelIsOneClassInEitherOrder) {
  EXPECT_EQ(class_of_marks({kShadda, kDamma}), 11);
  EXPECT_EQ(class_of_marks({kDamma, kShadda}), 11);
}

TEST(ArabicMarksTest, OtherPairsCountAsFirstMarkAndThirdMarkIsIgnored) {
  EXPECT_EQ(class_of_marks({kFatha, kSukun}), 1);
  EXPECT_EQ(class_of_marks({kShadda, kSukun}), kShaddaClass);
  EXPECT_EQ(class_of_marks({kShadda, kKasra, kFatha}), 13);
}

TEST(ArabicMarksTest, ClassMarksRoundTrip) {
  for (int c = 0; c < kNumClasses; ++c) {
    auto marks = class_marks(c);
    EXPECT_EQ(class_of(marks), c) << c;
  }
}

TEST(ArabicMarksTest, UnmarkedLetterMayTakeAnyClass) {
  EXPECT_EQ(allowed_classes({}).size(), static_cast<std::size_t>(kNumClasses));
}

TEST(ArabicMarksTest, LoneShaddaMayGainAVowel) {
  std::vector<char32_t> given = {kShadda};
  auto allowed = allowed_classes(given);
  ASSERT_EQ(allowed.size(), 7u);
  EXPECT_EQ(allowed[0].mark_class, kShaddaClass);
  EXPECT_EQ(allowed[0].added_count, 0);
  for (std::size_t i = 1; i < allowed.size(); ++i) {
    EXPECT_EQ(allowed[i].added_count, 1);
    EXPECT_EQ(allowed[i].mark_class, 9 + static_cast<int>(i) - 1);
  }
}

TEST(ArabicMarksTest, LoneVowelMayGainAShadda) {
  std::vector<char32_t> given = {kKasra};
  auto allowed = allowed_classes(given);
  ASSERT_EQ(allowed.size(), 2u);
  EXPECT_EQ(allowed[0].mark_class, 5);
  EXPECT_EQ(allowed[1].mark_class, 13);
  EXPECT_EQ(allowed[1].added[0], kShadda);
}

TEST(ArabicMarksTest, FullyMarkedLetterGainsNothing) {
  for (std::vector<char32_t> given :
       {std::vector<char32_t>{kSukun}, std::vector<char32_t>{kShadda, kFatha},
        std::vector<char32_t>{kFatha, kSukun}}) {
    auto allowed = allowed_classes(given);
    ASSERT_EQ(allowed.size(), 1u);
    EXPECT_EQ(allowed[0].added_count, 0);
    EXPECT_EQ(allowed[0].mark_class, class_of(given));
  }
}

}  // namespace
}  // namespace polyvox::arabic
