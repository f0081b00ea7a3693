// The streaming JSON writer of the hottest responses: what it writes must parse as the JSON the
// same calls would build with nlohmann::json.
#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace polyvox {
namespace {

using nlohmann::json;

TEST(JsonWriterTest, WritesNestedContainersWithSeparators) {
  JsonWriter w;
  w.begin_object()
      .member("id", "j1")
      .member("done", 3)
      .member("ok", true)
      .key("none")
      .null()
      .key("blocks")
      .begin_array()
      .begin_object()
      .member("index", 0)
      .end_object()
      .begin_object()
      .member("index", 1)
      .end_object()
      .end_array()
      .key("empty")
      .begin_array()
      .end_array()
      .key("raw")
      .raw(R"({"x":[1,2]})")
      .end_object();
  EXPECT_EQ(w.take(),
            R"({"id":"j1","done":3,"ok":true,"none":null,"blocks":[{"index":0},{"index":1}],)"
            R"("empty":[],"raw":{"x":[1,2]}})");
}

TEST(JsonWriterTest, TopLevelArrayOfScalars) {
  JsonWriter w;
  w.begin_array().value("a").value(int64_t{-5}).value(false).null().end_array();
  EXPECT_EQ(w.take(), R"(["a",-5,false,null])");
}

TEST(JsonWriterTest, ExtremeIntegers) {
  JsonWriter w;
  w.begin_array()
      .value(std::numeric_limits<int64_t>::min())
      .value(std::numeric_limits<int64_t>::max())
      .end_array();
  EXPECT_EQ(w.take(), "[-9223372036854775808,9223372036854775807]");
}

// DISABLED: a bug. value(uint64_t) casts to int64_t, so an unsigned value of 2^63 or more is
// written as a negative number. Sizes and counts never get that large today.
TEST(JsonWriterTest, DISABLED_UnsignedAboveInt64MaxIsWrittenAsItself) {
  JsonWriter w;
  w.begin_array().value(uint64_t{9'223'372'036'854'775'808u}).end_array();
  EXPECT_EQ(w.take(), "[9223372036854775808]");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  constexpr char kText[] = "q\" b\\ n\n r\r t\t b\b f\f nul\0 us\x1f del\x7f";
  const std::string text(kText, sizeof kText - 1);
  std::string out;
  append_json_string(out, text);
  EXPECT_EQ(out, R"("q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del)"
                 "\x7f\"");
  EXPECT_EQ(json::parse(out), text);
}

TEST(JsonWriterTest, Utf8PassesThroughUnescaped) {
  std::string out;
  append_json_string(out, "مرحبا ✓ 😀");
  EXPECT_EQ(out, "\"مرحبا ✓ 😀\"");
  EXPECT_EQ(json::parse(out), "مرحبا ✓ 😀");
}

// Today's behaviour, recorded: the writer trusts its input to be valid UTF-8 (texts are
// validated when a job is submitted) and copies invalid bytes as they are, so the output is not
// valid JSON. It does not throw.
TEST(JsonWriterTest, InvalidUtf8IsCopiedUnchangedToday) {
  std::string out;
  append_json_string(out, "a\xFF\xC3z");
  EXPECT_EQ(out, "\"a\xFF\xC3z\"");
  EXPECT_TRUE(json::parse(out, nullptr, false).is_discarded());
}

// Today's behaviour, recorded: error bodies are built with nlohmann::json, whose dump() throws on
// invalid UTF-8, so an error message carrying such bytes throws instead of answering.
TEST(JsonWriterTest, ErrorResponseWithInvalidUtf8ThrowsToday) {
  EXPECT_THROW(error_response(404, "NOT_FOUND", "no route for /\xFF"), json::type_error);
}

}  // namespace
}  // namespace polyvox
