// CachingDiacritizer: answers remembered, bounded in bytes (texts, answers and a per-entry
// overhead), least recently used first out; failures and oversized answers not kept.
#include "text/caching_diacritizer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace polyvox {
namespace {

// Answers "<text>+" and counts its calls; fails for "fail".
class CountingDiacritizer : public Diacritizer {
 public:
  explicit CountingDiacritizer(int* calls) : calls_(calls) {}
  const std::string& name() const override { return name_; }
  Result<std::string> diacritize(std::string_view text) override {
    ++*calls_;
    if (text == "fail") return Error{ErrorKind::kUnavailable, "down", ""};
    return std::string(text) + "+";
  }

 private:
  int* calls_;
  std::string name_ = "counting";
};

// What an entry of `text` costs in the cache.
std::size_t cost(const std::string& text) {
  return 2 * text.size() + 1 + CachingDiacritizer::kEntryOverhead;
}

TEST(CachingDiacritizerTest, RepeatedTextIsAnsweredFromTheCache) {
  int calls = 0;
  CachingDiacritizer cache(std::make_unique<CountingDiacritizer>(&calls), 1 << 20);
  EXPECT_EQ(*cache.diacritize("salam"), "salam+");
  EXPECT_EQ(*cache.diacritize("salam"), "salam+");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.size_bytes(), cost("salam"));
}

TEST(CachingDiacritizerTest, FailuresAreNotRemembered) {
  int calls = 0;
  CachingDiacritizer cache(std::make_unique<CountingDiacritizer>(&calls), 1 << 20);
  EXPECT_FALSE(cache.diacritize("fail").ok());
  EXPECT_FALSE(cache.diacritize("fail").ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(CachingDiacritizerTest, BytesBoundEvictsLeastRecentlyUsed) {
  int calls = 0;
  const std::string a(1000, 'a'), b(1000, 'b'), c(1000, 'c');
  // Room for two entries of 1000-character texts, not three.
  CachingDiacritizer cache(std::make_unique<CountingDiacritizer>(&calls), 2 * cost(a) + 100);
  (void)cache.diacritize(a);
  (void)cache.diacritize(b);
  (void)cache.diacritize(a);  // a is now the most recent; b the least
  EXPECT_EQ(calls, 2);
  (void)cache.diacritize(c);  // b goes
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_LE(cache.size_bytes(), 2 * cost(a) + 100);
  (void)cache.diacritize(a);
  (void)cache.diacritize(c);
  EXPECT_EQ(calls, 3);
  (void)cache.diacritize(b);
  EXPECT_EQ(calls, 4);
}

TEST(CachingDiacritizerTest, ManyShortTextsAreBoundedByTheirOverhead) {
  int calls = 0;
  const std::size_t max_bytes = 100 * CachingDiacritizer::kEntryOverhead;
  CachingDiacritizer cache(std::make_unique<CountingDiacritizer>(&calls), max_bytes);
  for (int i = 0; i < 10'000; ++i) (void)cache.diacritize(std::to_string(i));
  EXPECT_LE(cache.size_bytes(), max_bytes);
  EXPECT_LT(cache.entries(), 100u);
  EXPECT_GT(cache.entries(), 80u);
}

TEST(CachingDiacritizerTest, AnswerLargerThanTheBoundIsReturnedButNotKept) {
  int calls = 0;
  const std::string small(10, 's'), huge(5000, 'h');
  CachingDiacritizer cache(std::make_unique<CountingDiacritizer>(&calls), 4000);
  (void)cache.diacritize(small);
  EXPECT_EQ(*cache.diacritize(huge), huge + "+");
  EXPECT_EQ(cache.entries(), 1u);  // the small one stayed
  (void)cache.diacritize(huge);
  EXPECT_EQ(calls, 3);
  CachingDiacritizer off(std::make_unique<CountingDiacritizer>(&calls), 0);
  (void)off.diacritize(small);
  EXPECT_EQ(off.entries(), 0u);
}

}  // namespace
}  // namespace polyvox
