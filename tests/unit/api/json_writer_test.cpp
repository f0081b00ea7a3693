// The streaming JSON writer of the hottest responses: what it writes must parse as the JSON the
// same calls would build with nlohmann::json.
#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
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

// Doubles read back as themselves, in the shortest form (as nlohmann::json writes them); values
// JSON cannot carry are null.
TEST(JsonWriterTest, DoublesReadBackExactlyAndNonFiniteIsNull) {
  const double values[] = {0.0,   -0.1234, 0.5,    1e-4,   -1.0,    123456.789,
                           1e300, 5e-324,  0.1234, -0.999, 1.0 / 3, 2.5e-7};
  JsonWriter w;
  w.begin_array();
  for (double v : values) w.value(v);
  w.value(std::numeric_limits<double>::infinity()).value(std::nan("")).end_array();
  const std::string text = w.take();
  const json parsed = json::parse(text);
  ASSERT_EQ(parsed.size(), std::size(values) + 2);
  for (std::size_t i = 0; i < std::size(values); ++i) {
    EXPECT_EQ(parsed[i].get<double>(), values[i]) << text;
  }
  EXPECT_TRUE(parsed[std::size(values)].is_null());
  EXPECT_TRUE(parsed[std::size(values) + 1].is_null());
  JsonWriter short_form;
  short_form.begin_array().value(-0.1234).value(0.5).value(3.0).end_array();
  EXPECT_EQ(short_form.take(), json::array({-0.1234, 0.5, 3.0}).dump());
}

TEST(JsonWriterTest, UnsignedAboveInt64MaxIsWrittenAsItself) {
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

// Texts are validated when a job is submitted, but not every string is (a path, a vendor's
// message): malformed bytes become U+FFFD, so the output is always JSON.
TEST(JsonWriterTest, InvalidUtf8IsReplacedSoTheOutputStaysJson) {
  std::string out;
  append_json_string(out, "a\xFF\xC3z");
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD\xEF\xBF\xBDz\"");
  EXPECT_EQ(json::parse(out).get<std::string>(), "a\uFFFD\uFFFDz");
}

TEST(JsonWriterTest, ErrorResponseWithInvalidUtf8AnswersWithReplacements) {
  HttpResponse res;
  ASSERT_NO_THROW(res = error_response(404, "NOT_FOUND", "no route for /\xFF"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(json::parse(res.body)["error"]["message"].get<std::string>(), "no route for /\uFFFD");
}

}  // namespace
}  // namespace polyvox
