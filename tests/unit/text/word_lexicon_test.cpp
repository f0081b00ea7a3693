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

TEST(WordLexiconTest, RejectsAWordNotUtf8OrAPatternWithoutOneClassPerLetter) {
  EXPECT_TRUE(WordLexicon::parse(std::string(kHeader) + "كتب\t111:4\n", "x"));
  for (const std::string& line : {std::string("كتب\t11:4\n"), std::string("كتب\t1111:4\n"),
                                  std::string("كتب\t111:4 11:2\n"), std::string("\xd9\t1:4\n")}) {
    auto lexicon = WordLexicon::parse(std::string(kHeader) + line, "test.lexicon");
    ASSERT_FALSE(lexicon) << line;
    EXPECT_NE(lexicon.error().message.find("line 2"), std::string::npos);
  }
}

// kHeader3 without its newline, then `fields`.
std::string header3_with(const std::string& fields) {
  return std::string(kHeader3).substr(0, std::string(kHeader3).size() - 1) + fields + "\n";
}

TEST(WordLexiconTest, StemBackoffIsOptionalAndZeroOrOne) {
  const std::string words = "كتاب\t5101:3\n";
  for (const std::string& fields : {std::string(""), std::string(" stem_backoff=0")}) {
    auto off = WordLexicon::parse(header3_with(fields) + words, "x");
    ASSERT_TRUE(off) << off.error().to_string();
    EXPECT_TRUE(off->find_stem("وكتاب", 0).patterns.empty()) << fields;
  }
  auto on = WordLexicon::parse(header3_with(" stem_backoff=1") + words, "x");
  ASSERT_TRUE(on) << on.error().to_string();
  EXPECT_FALSE(on->find_stem("وكتاب", 0).patterns.empty());
  for (const std::string& bad : {std::string(" stem_backoff=2"), std::string(" stem_backoff=0.5"),
                                 std::string(" stem_backoff=-1"), std::string(" stem_backoff="),
                                 std::string(" stem_backoff=nan")}) {
    EXPECT_FALSE(WordLexicon::parse(header3_with(bad) + words, "x")) << bad;
  }
}

TEST(WordLexiconTest, FindStemTakesTheInnerLettersOfTheLongestKnownStem) {
  // كتاب seen 7 times (frequent: whole patterns), كتابهم 3 times (rare: all but the last).
  auto lexicon = WordLexicon::parse(
      header3_with(" stem_backoff=1") + "كتاب\t5101:3 5103:2 5201:2\nكتابهم\t510157:3\n", "x");
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  // و + ب + كتاب + هم: كتابهم is the longer known stem; its letters but the last.
  auto found = lexicon->find_stem("وبكتابهم", 0);
  EXPECT_EQ(found.stem, "كتابهم");
  EXPECT_EQ(found.offset, 2u);
  EXPECT_DOUBLE_EQ(found.stem_count, 3);
  ASSERT_EQ(found.patterns.size(), 1u);
  EXPECT_EQ(found.patterns[0].classes, classes({5, 1, 0, 1, 5}));
  // و + كتاب + ه: the patterns merged on its letters but the last, most frequent first.
  found = lexicon->find_stem("وكتابه", 0);
  EXPECT_EQ(found.stem, "كتاب");
  EXPECT_EQ(found.offset, 1u);
  EXPECT_DOUBLE_EQ(found.stem_count, 7);
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_EQ(found.patterns[0].classes, classes({5, 1, 0}));
  EXPECT_EQ(found.patterns[0].count, 5u);
  EXPECT_EQ(found.patterns[1].classes, classes({5, 2, 0}));
  // After the article the stem's first letter is left out too.
  found = lexicon->find_stem("والكتاب", 0);
  EXPECT_EQ(found.stem, "كتاب");
  EXPECT_EQ(found.offset, 4u);
  ASSERT_EQ(found.patterns.size(), 2u);
  EXPECT_EQ(found.patterns[0].classes, classes({1, 0}));
  EXPECT_EQ(found.patterns[0].count, 5u);
  EXPECT_EQ(found.patterns[1].classes, classes({2, 0}));
  // A word seen full_min_count times or more chooses its own patterns only; nothing known.
  EXPECT_TRUE(lexicon->find_stem("وكتابه", 5).patterns.empty());
  EXPECT_TRUE(lexicon->find_stem("وقلمه", 0).patterns.empty());
  // The word itself is not a split of itself, and a stem needs two letters.
  EXPECT_TRUE(lexicon->find_stem("كتاب", 0).patterns.empty());
  auto short_stem = WordLexicon::parse(header3_with(" stem_backoff=1") + "في\t51:9\n", "x");
  ASSERT_TRUE(short_stem);
  EXPECT_FALSE(short_stem->find_stem("وفي", 0).patterns.empty());   // inner letter: ف
  EXPECT_TRUE(short_stem->find_stem("والفي", 0).patterns.empty());  // after ال: none
  EXPECT_TRUE(short_stem->find_stem("بي", 0).patterns.empty());     // stem of one letter
}

TEST(WordLexiconTest, FindStemReadsTaBeforeASuffixAsTaMarbuta) {
  auto lexicon = WordLexicon::parse(header3_with(" stem_backoff=1") + "مدرسة\t17151:4\n", "x");
  ASSERT_TRUE(lexicon) << lexicon.error().to_string();
  const auto found = lexicon->find_stem("مدرستهم", 0);
  EXPECT_EQ(found.stem, "مدرسة");
  EXPECT_EQ(found.offset, 0u);
  ASSERT_EQ(found.patterns.size(), 1u);
  EXPECT_EQ(found.patterns[0].classes, classes({1, 7, 1, 5}));
  // Not without a suffix: مدرست alone is no split.
  EXPECT_TRUE(lexicon->find_stem("ومدرست", 0).patterns.empty());
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
