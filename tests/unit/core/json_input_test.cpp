#include "core/json_input.h"

#include <gtest/gtest.h>

#include <string>

namespace polyvox {
namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepthTest, FindsTheBracketThatOpensTheLevelPastTheLimit) {
  EXPECT_EQ(json_depth_exceeded_at(nested(64)), std::nullopt);
  EXPECT_EQ(json_depth_exceeded_at(nested(65)), 64u);
  EXPECT_EQ(json_depth_exceeded_at(R"({"a": {"b": [1, {"c": []}]}})", 5), std::nullopt);
  EXPECT_EQ(json_depth_exceeded_at(R"({"a": {"b": [1, {"c": []}]}})", 4), 22u);
  // Levels that close free their depth: many shallow arrays side by side are fine.
  std::string wide;
  for (int i = 0; i < 1000; ++i) wide += "[[]],";
  EXPECT_EQ(json_depth_exceeded_at("[" + wide + "[]]", 3), std::nullopt);
}

TEST(JsonDepthTest, BracketsInStringsAreText) {
  EXPECT_EQ(json_depth_exceeded_at(R"(["[[[[", "{{{{"])", 1), std::nullopt);
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_EQ(json_depth_exceeded_at(R"(["\"[[[["])", 1), std::nullopt);
  EXPECT_EQ(json_depth_exceeded_at(R"(["\\", [[]]])", 2), 8u);
  // Stray closers (malformed JSON, refused by the parser) never make the depth negative.
  EXPECT_EQ(json_depth_exceeded_at("]]]]" + nested(3), 2), 6u);
}

// An ordered object finds each new key by a linear search: a million keys would take hours.
TEST(JsonKeysTest, AnObjectOfMoreThan256KeysIsRefusedNamingIt) {
  auto keys = [](int n) {
    std::string out = "{";
    for (int i = 0; i < n; ++i) out += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    return out + "}";
  };
  EXPECT_TRUE(parse_json_input(keys(256)).ok());
  auto top = parse_json_input(keys(257));
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().field, "");
  EXPECT_EQ(top.error().message, "the top-level object has more than 256 keys");
  auto nested = parse_json_input(R"({"blocks": [{}, )" + keys(100'000) + "]}");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().field, "blocks[1]");
  EXPECT_EQ(nested.error().message, "has more than 256 keys");
}

TEST(JsonDepthTest, ParsersRefuseDeepDocumentsBeforeBuildingThem) {
  const std::string deep = R"({"text": )" + nested(1'000'000) + "}";
  auto parsed = parse_json_input(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().field, "");
  EXPECT_EQ(parsed.error().message, "nested deeper than 64 levels at line 1, column 73");
  EXPECT_TRUE(parse_untrusted_json(deep).is_discarded());
  EXPECT_TRUE(parse_untrusted_json("{").is_discarded());
  const auto shallow = parse_untrusted_json(R"({"a": [[1]]})");
  ASSERT_TRUE(shallow.is_object());
  EXPECT_EQ(shallow["a"][0][0], 1);
  EXPECT_TRUE(parse_json_input(nested(64)).ok());
}

}  // namespace
}  // namespace polyvox
