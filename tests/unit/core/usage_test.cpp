// A job's usage as stored (JSON) and read back: what was written reads back the same; text of
// another shape (a damaged row, another version's fields) reads as what can be made of it and
// never throws in the middle of a store's read.
#include "core/usage.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(UsageJsonTest, WrittenUsageReadsBackTheSame) {
  const std::vector<ProviderUsage> usage = {{"openai", 3, 120, 1, 2, 1}, {"espeak", 1, 5, 0, 0, 0}};
  const auto back = usage_from_json(usage_to_json(usage));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].provider, "openai");
  EXPECT_EQ(back[0].calls, 3u);
  EXPECT_EQ(back[0].characters, 120u);
  EXPECT_EQ(back[0].cache_hits, 1u);
  EXPECT_EQ(back[0].failures, 2u);
  EXPECT_EQ(back[0].retries, 1u);
  EXPECT_EQ(back[1].provider, "espeak");
}

TEST(UsageJsonTest, FieldsOfAnotherTypeReadAsNothingInsteadOfThrowing) {
  for (const char* text :
       {R"([{"provider":"x","calls":"oops"}])", R"([{"provider":"x","calls":-1}])",
        R"([{"provider":"x","calls":1.5,"characters":null,"retries":[1]}])",
        R"([{"provider":7,"calls":1}])", R"([{"calls":1}])", R"({"provider":"x"})", "[1,\"a\"]",
        "not json", ""}) {
    std::vector<ProviderUsage> usage;
    ASSERT_NO_THROW(usage = usage_from_json(text)) << text;
    for (const auto& u : usage) {
      EXPECT_EQ(u.provider, "x") << text;
      EXPECT_EQ(u.calls, 0u) << text;
      EXPECT_EQ(u.characters, 0u) << text;
      EXPECT_EQ(u.retries, 0u) << text;
    }
  }
  EXPECT_EQ(usage_from_json(R"([{"provider":"x","calls":"oops","characters":9}])")[0].characters,
            9u);
  EXPECT_TRUE(usage_from_json(R"([{"provider":7,"calls":1}])").empty());
}

}  // namespace
}  // namespace polyvox
