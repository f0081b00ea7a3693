#include "text/word_lexicon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace polyvox {
namespace {

// A lexicon file in a temporary directory, removed with it.
class LexiconFile {
 public:
  explicit LexiconFile(const std::string& content) {
    char pattern[] = "/tmp/polyvox-lexicon-XXXXXX";
    const int fd = ::mkstemp(pattern);
    path_ = pattern;
    ::close(fd);
    std::ofstream(path_) << content;
  }
  ~LexiconFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string classes(std::initializer_list<int> ids) {
  std::string s;
  for (int id : ids) s.push_back(static_cast<char>(id));
  return s;
}

constexpr const char* kHeader = "#polyvox-lexicon 2 prior_weight=0.5 full_min_count=5\n";

TEST(WordLexiconTest, FrequentWordChoosesAmongWholePatterns) {
  LexiconFile file(std::string(kHeader) + "كتب\t111:4 135:2\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  EXPECT_DOUBLE_EQ(lexicon->prior_weight(), 0.5);
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_EQ(found.word_count, 6);
  EXPECT_EQ(found.patterns[0].classes, classes({1, 1, 1}));
  EXPECT_EQ(found.patterns[0].count, 4u);
  EXPECT_EQ(found.patterns[1].classes, classes({1, 3, 5}));
}

TEST(WordLexiconTest, RareWordChoosesAmongPatternsMergedOnAllButTheLastLetter) {
  // Seen 4 times (< 5): 111 and 113 merge into 11 (3 times); 35x into 35 (once).
  LexiconFile file(std::string(kHeader) + "كتب\t111:2 351:1 113:1\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon);
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_EQ(found.word_count, 4);
  EXPECT_EQ(found.patterns[0].classes, classes({1, 1}));
  EXPECT_EQ(found.patterns[0].count, 3u);
  EXPECT_EQ(found.patterns[1].classes, classes({3, 5}));
}

TEST(WordLexiconTest, MergedTiesPutTheSmallerPatternFirst) {
  LexiconFile file(std::string(kHeader) + "كتب\t351:1 111:1\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon);
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_EQ(found.patterns[0].classes, classes({1, 1}));
}

TEST(WordLexiconTest, RareOneLetterWordAndUnknownWordHaveNoCandidates) {
  LexiconFile file(std::string(kHeader) + "و\t1:2\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon);
  EXPECT_TRUE(lexicon->find("و").patterns.empty());
  EXPECT_TRUE(lexicon->find("قلم").patterns.empty());
}

TEST(WordLexiconTest, HexadecimalClassIds) {
  LexiconFile file(std::string(kHeader) + "رب\t1e:7\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon);
  ASSERT_EQ(lexicon->find("رب").patterns.size(), 1u);
  EXPECT_EQ(lexicon->find("رب").patterns[0].classes, classes({1, 14}));
}

TEST(WordLexiconTest, RejectsMalformedFiles) {
  for (const std::string content :
       {std::string("no header\n"), std::string(kHeader) + "كتب 111:2\n",
        std::string(kHeader) + "كتب\t1f1:2\n", std::string(kHeader) + "كتب\t111:0\n",
        std::string(kHeader) + "كتب\t111\n"}) {
    LexiconFile file(content);
    auto lexicon = WordLexicon::load(file.path());
    EXPECT_FALSE(lexicon) << content;
  }
  EXPECT_FALSE(WordLexicon::load("/nonexistent/lexicon"));
}

}  // namespace
}  // namespace polyvox
