// The request conversion and limit checks the HTTP server applies to every parsed request
// (api/request_conversion.h), on their own.
#include "api/request_conversion.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace polyvox {
namespace {

RequestParts parts(std::string_view method, std::string_view target,
                   std::vector<std::pair<std::string_view, std::string_view>> fields = {},
                   std::string_view body = "") {
  return RequestParts{method, target, std::move(fields), body};
}

TEST(RequestConversionTest, DecodesThePathKeepsTheQueryRawAndLowerCasesHeaderNames) {
  HttpRequest request;
  ASSERT_TRUE(convert_request(parts("POST", "/jobs/a%20b?x=%41&y=1",
                                    {{"X-Request-ID", "Abc"}, {"Content-Type", "t"}}, "{}"),
                              request));
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/jobs/a b");
  EXPECT_EQ(request.query, "x=%41&y=1");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0].first, "x-request-id");
  EXPECT_EQ(request.headers[0].second, "Abc");
  EXPECT_EQ(request.header("content-type"), "t");
  EXPECT_EQ(request.body, "{}");
}

TEST(RequestConversionTest, RefusesMalformedTargets) {
  HttpRequest request;
  EXPECT_FALSE(convert_request(parts("GET", "/a%zz"), request));
  EXPECT_FALSE(convert_request(parts("GET", "/a%4"), request));
  EXPECT_FALSE(convert_request(parts("GET", "relative"), request));
  EXPECT_FALSE(convert_request(parts("GET", "?q=1"), request));
  EXPECT_FALSE(convert_request(parts("GET", "http://host/x"), request));
  EXPECT_TRUE(convert_request(parts("GET", "/"), request));
}

TEST(RequestConversionTest, RequestIdsAreKeptOnlyWhenSafe) {
  EXPECT_TRUE(is_safe_request_id("abc-1_2.3:4"));
  EXPECT_TRUE(is_safe_request_id(std::string(128, 'a')));
  EXPECT_FALSE(is_safe_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_safe_request_id(""));
  EXPECT_FALSE(is_safe_request_id("a b"));
  EXPECT_FALSE(is_safe_request_id("<script>"));
  EXPECT_FALSE(is_safe_request_id("a\r\nSet-Cookie: x"));

  HttpRequest request;
  request.headers = {{"x-request-id", "given-1"}};
  EXPECT_EQ(request_id_for(request), "given-1");
  request.headers = {{"x-request-id", "bad id"}};
  const std::string generated = request_id_for(request);
  EXPECT_NE(generated, "bad id");
  EXPECT_TRUE(is_safe_request_id(generated));
}

TEST(RequestConversionTest, PrintableTextIsShortValidAndFreeOfControls) {
  EXPECT_EQ(printable("/jobs/1"), "/jobs/1");
  EXPECT_EQ(printable("a\r\nb\x7f"), "a??b?");
  const std::string invalid = printable("\xff/x");
  EXPECT_TRUE(is_valid_utf8(invalid));
  const std::string long_text = printable(std::string(500, 'x'));
  EXPECT_EQ(long_text, std::string(200, 'x') + "...");
  const std::string cut = printable(std::string(150, 'x') + std::string(40, '\xc3'));
  EXPECT_TRUE(is_valid_utf8(cut));
}

TEST(RequestConversionTest, DeclaredBodiesOverTheLimitAreRefusedNamingIt) {
  EXPECT_FALSE(declared_body_too_large(0, 10));
  EXPECT_FALSE(declared_body_too_large(10, 10));
  EXPECT_TRUE(declared_body_too_large(11, 10));
  const HttpResponse response = body_too_large_response(1 << 20, "MAX_BODY_BYTES", 2000000, true);
  EXPECT_EQ(response.status, 413);
  const auto error = nlohmann::json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(error.at("message"),
            "request body of 2000000 bytes is over the limit of 1048576 bytes (MAX_BODY_BYTES)");
  const auto chunked = nlohmann::json::parse(
      body_too_large_response(1 << 20, "MAX_BODY_BYTES", 1 << 20, false).body);
  EXPECT_NE(chunked.at("error").at("message").get<std::string>().find("more than 1048576 bytes"),
            std::string::npos);
  EXPECT_EQ(headers_too_large_response().status, 431);
  EXPECT_EQ(malformed_request_response().status, 400);
}

}  // namespace
}  // namespace polyvox
