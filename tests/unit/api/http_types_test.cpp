// Requests as handlers see them: header and parameter lookup, percent-decoding, form bodies.
#include "api/http_types.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

HttpRequest with_query(std::string query) {
  HttpRequest request;
  request.query = std::move(query);
  return request;
}

TEST(PercentDecodeTest, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(percent_decode("a%41%2f%2F%20b"), "aA// b");
}

TEST(PercentDecodeTest, PlusIsASpaceOnlyInForms) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", /*form=*/true), "a b");
  EXPECT_EQ(percent_decode("a%2Bb", /*form=*/true), "a+b");
}

TEST(PercentDecodeTest, TruncatedOrNonHexEscapeIsMalformed) {
  for (const char* text : {"%", "%4", "a%4", "100%", "%zz", "%4g", "%g4"}) {
    EXPECT_EQ(percent_decode(text), std::nullopt) << text;
  }
}

TEST(PercentDecodeTest, DecodedBytesAreNotInterpreted) {
  // Escapes yield raw bytes: a NUL, and a byte that is not UTF-8 on its own.
  EXPECT_EQ(percent_decode("a%00b"), std::string("a\0b", 3));
  EXPECT_EQ(percent_decode("%FF"), "\xFF");
  EXPECT_EQ(percent_decode("%252F"), "%2F");  // decoded once, not twice
}

TEST(ParseFormTest, SplitsPairsAndDecodesBothSides) {
  EXPECT_EQ(parse_form("username=al%20ice&password=p%2Bw+d&n%61me=x"),
            (Pairs{{"username", "al ice"}, {"password", "p+w d"}, {"name", "x"}}));
}

TEST(ParseFormTest, KeyWithoutValueIsEmptyAndEmptyPairsAreSkipped) {
  EXPECT_EQ(parse_form("&&flag&a=&&"), (Pairs{{"flag", ""}, {"a", ""}}));
  EXPECT_EQ(parse_form(""), Pairs{});
}

TEST(ParseFormTest, ValueMayContainEquals) {
  EXPECT_EQ(parse_form("a=1=2"), (Pairs{{"a", "1=2"}}));
}

TEST(ParseFormTest, RepeatedKeysAreKeptInOrder) {
  EXPECT_EQ(parse_form("a=1&a=2"), (Pairs{{"a", "1"}, {"a", "2"}}));
}

TEST(ParseFormTest, MalformedEscapeRejectsTheWholeBody) {
  EXPECT_EQ(parse_form("a=1&b=%zz"), std::nullopt);
  EXPECT_EQ(parse_form("%=1"), std::nullopt);
}

TEST(QueryParamTest, FirstOccurrenceDecodedAsAForm) {
  const HttpRequest request = with_query("limit=10&status=in+progress%21&limit=20");
  EXPECT_EQ(request.query_param("limit"), "10");
  EXPECT_EQ(request.query_param("status"), "in progress!");
}

TEST(QueryParamTest, AbsentIsNulloptAndBareKeyIsEmpty) {
  const HttpRequest request = with_query("verbose&x=1");
  EXPECT_EQ(request.query_param("missing"), std::nullopt);
  EXPECT_EQ(request.query_param("verbose"), "");
  EXPECT_EQ(with_query("").query_param("x"), std::nullopt);
}

TEST(QueryParamTest, NameMustMatchExactly) {
  const HttpRequest request = with_query("offset=5&set=1");
  EXPECT_EQ(request.query_param("set"), "1");
  EXPECT_EQ(request.query_param("off"), std::nullopt);
  // Names are compared as sent, not decoded.
  EXPECT_EQ(with_query("a%62=1").query_param("ab"), std::nullopt);
}

TEST(QueryParamTest, MalformedValueIsAbsent) {
  EXPECT_EQ(with_query("limit=%zz").query_param("limit"), std::nullopt);
}

TEST(HttpRequestTest, HeaderIsTheFirstOfItsNameOrEmpty) {
  HttpRequest request;
  request.headers = {{"accept", "a"}, {"x-tag", "1"}, {"x-tag", "2"}};
  EXPECT_EQ(request.header("x-tag"), "1");
  EXPECT_EQ(request.header("missing"), "");
}

TEST(HttpRequestTest, PathParamByNameOrEmpty) {
  HttpRequest request;
  request.path_params = {{"id", "job-1"}, {"index", "3"}};
  EXPECT_EQ(request.param("index"), "3");
  EXPECT_EQ(request.param("id"), "job-1");
  EXPECT_EQ(request.param("other"), "");
}

TEST(HttpResponseTest, SetHeaderAppendsInOrder) {
  HttpResponse response;
  response.set_header("A", "1").set_header("A", "2");
  EXPECT_EQ(response.headers, (Pairs{{"A", "1"}, {"A", "2"}}));
}

}  // namespace
}  // namespace polyvox
