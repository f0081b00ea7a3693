#include "text/word_lexicon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
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
  for (const std::string& content :
       {std::string("no header\n"), std::string(kHeader) + "كتب 111:2\n",
        std::string(kHeader) + "كتب\t1f1:2\n", std::string(kHeader) + "كتب\t111:0\n",
        std::string(kHeader) + "كتب\t111\n"}) {
    LexiconFile file(content);
    auto lexicon = WordLexicon::load(file.path());
    EXPECT_FALSE(lexicon) << content;
  }
  EXPECT_FALSE(WordLexicon::load("/nonexistent/lexicon"));
}

constexpr const char* kHeader3 =
    "#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5 left_weight=0.7 right_weight=0.25 "
    "context_smoothing=2 context_min_count=2\n";

TEST(WordLexiconTest, PriorWithoutContextsIsTheWeightedLogShare) {
  LexiconFile file(std::string(kHeader3) + "كتب\t111:4 135:2\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 0, WordLexicon::kLineStart, WordLexicon::kLineEnd),
                   0.5 * std::log(4.0 / 6));
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 1, "قد", "في"), 0.5 * std::log(2.0 / 6));
}

TEST(WordLexiconTest, PriorAddsTheContextsOfTheNeighbouringWords) {
  // After "قد": pattern 1 three times (pattern 0 never); before "$" (line end): pattern 0 once.
  LexiconFile file(std::string(kHeader3) + "كتب\t111:4 135:2\tقد:1=3 من:0=2,1=1\t$:0=1\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.left.size(), 2u);
  ASSERT_EQ(found.right.size(), 1u);
  const double share0 = 4.0 / 6, share1 = 2.0 / 6;
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 0, "قد", "في"),
                   0.5 * std::log(share0) + 0.7 * std::log((0 + 2 * share0) / (3 + 2)));
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 1, "قد", "في"),
                   0.5 * std::log(share1) + 0.7 * std::log((3 + 2 * share1) / (3 + 2)));
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 1, "من", WordLexicon::kLineEnd),
                   0.5 * std::log(share1) + 0.7 * std::log((1 + 2 * share1) / (3 + 2)) +
                       0.25 * std::log((0 + 2 * share1) / (1 + 2)));
  // An unknown neighbour adds nothing.
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 0, "لم", "في"), 0.5 * std::log(share0));
}

TEST(WordLexiconTest, RareWordsIgnoreContexts) {
  LexiconFile file(std::string(kHeader3) + "كتب\t111:2 113:1\tقد:0=2\t\n");
  auto lexicon = WordLexicon::load(file.path());
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  const auto found = lexicon->find("كتب");
  ASSERT_EQ(found.patterns.size(), 1u);
  EXPECT_TRUE(found.left.empty());
  EXPECT_DOUBLE_EQ(lexicon->prior(found, 0, "قد", "في"), 0.5 * std::log(3.0 / 3));
}

TEST(WordLexiconTest, RejectsMalformedContexts) {
  for (const std::string& contexts :
       {std::string("\tقد:2=1\t"), std::string("\tقد:0=0\t"), std::string("\tقد\t"),
        std::string("\tقد:\t"), std::string("\tقد:0=1"), std::string("\tقد:0=1\t\tx"),
        std::string("\t:0=1\t")}) {
    LexiconFile file(std::string(kHeader3) + "كتب\t111:4 135:2" + contexts + "\n");
    EXPECT_FALSE(WordLexicon::load(file.path())) << contexts;
  }
  LexiconFile missing_field("#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5\n");
  EXPECT_FALSE(WordLexicon::load(missing_field.path()));
}

TEST(WordLexiconTest, RejectsHeaderValuesThatAreNotFiniteOrOutOfRange) {
  for (const std::string& header :
       {std::string("#polyvox-lexicon 2 prior_weight=nan full_min_count=5"),
        std::string("#polyvox-lexicon 2 prior_weight=inf full_min_count=5"),
        std::string("#polyvox-lexicon 2 prior_weight=0.5 full_min_count=1e300"),
        std::string("#polyvox-lexicon 2 prior_weight=0.5 full_min_count=nan"),
        std::string("#polyvox-lexicon 2 prior_weight=0.5 full_min_count=-1"),
        std::string("#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5 left_weight=-inf "
                    "right_weight=0.25 context_smoothing=2"),
        std::string("#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5 left_weight=0.7 "
                    "right_weight=nan context_smoothing=2"),
        std::string("#polyvox-lexicon 3 prior_weight=0.5 full_min_count=5 left_weight=0.7 "
                    "right_weight=0.25 context_smoothing=inf")}) {
    const std::string content = header + "\nكتب\t111:4 135:2\n";
    auto lexicon = WordLexicon::parse(content, "test.lexicon");
    ASSERT_FALSE(lexicon) << header;
    EXPECT_NE(lexicon.error().message.find("test.lexicon"), std::string::npos);
  }
  // The largest count that fits is accepted.
  EXPECT_TRUE(WordLexicon::parse(
      "#polyvox-lexicon 2 prior_weight=0.5 full_min_count=4294967295\nكتب\t111:4\n", "x"));
}

TEST(WordLexiconTest, NetworkMarginsAreOptionalFiniteAndByBand) {
  const std::string words = "كتب\t111:4 135:2\nقلم\t111:2\n";  // seen 6 (>= 5) and 2 times
  auto without = WordLexicon::parse(std::string(kHeader3) + words, "x");
  ASSERT_TRUE(without) << without.error().to_string();
  EXPECT_TRUE(std::isinf(without->network_margin(without->find("كتب"))));
  EXPECT_TRUE(std::isinf(without->network_margin(without->find("قلم"))));
  const std::string header = std::string(kHeader3).substr(0, std::string(kHeader3).size() - 1);
  auto with =
      WordLexicon::parse(header + " network_margin_full=2 network_margin_rare=2.5\n" + words, "x");
  ASSERT_TRUE(with) << with.error().to_string();
  EXPECT_DOUBLE_EQ(with->network_margin(with->find("كتب")), 2.0);
  EXPECT_DOUBLE_EQ(with->network_margin(with->find("قلم")), 2.5);
  for (const std::string& bad :
       {std::string(" network_margin_full=-1"), std::string(" network_margin_rare=nan"),
        std::string(" network_margin_full=inf"), std::string(" network_margin_rare=2x"),
        std::string(" network_margin_full=")}) {
    EXPECT_FALSE(WordLexicon::parse(header + bad + "\n" + words, "x")) << bad;
  }
}

TEST(WordLexiconTest, ParseReadsTheSameAsLoad) {
  const std::string content = std::string(kHeader3) + "كتب\t111:4 135:2\tقد:0=2,1=1\t\nفي\t51:3";
  LexiconFile file(content);
  auto loaded = WordLexicon::load(file.path());
  auto parsed = WordLexicon::parse(content, "x");
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->size(), 2u);  // the last line needs no newline
  const auto a = loaded->find("كتب");
  const auto b = parsed->find("كتب");
  ASSERT_EQ(a.patterns.size(), b.patterns.size());
  EXPECT_DOUBLE_EQ(loaded->prior(a, 1, "قد", "في"), parsed->prior(b, 1, "قد", "في"));
}

}  // namespace
}  // namespace polyvox
