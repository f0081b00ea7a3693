#include "app/api_client.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(ServerUrlTest, AcceptsHttpAndHttpsWithHostPortAndPath) {
  EXPECT_EQ(*parse_server_url("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
  EXPECT_EQ(*parse_server_url("HTTPS://tts.example.org/"), "https://tts.example.org");
  EXPECT_EQ(*parse_server_url("http://localhost"), "http://localhost");
  EXPECT_EQ(*parse_server_url("http://[::1]:9000"), "http://[::1]:9000");
  EXPECT_EQ(*parse_server_url("https://proxy.example/polyvox//"), "https://proxy.example/polyvox");
}

TEST(ServerUrlTest, RefusesWhatIsNotAServerAddressNamingTheVariable) {
  for (const char* bad :
       {"", "127.0.0.1:8000", "ftp://host", "http://", "http://:80",
        "http://host:", "http://host:0", "http://host:65536", "http://host:8o", "http://ho st",
        "http://host?x=1", "http://host/#top", "http://[::1", "http://[zz]:80", "http://host/a\\b",
        "http://hö.st", "file:///etc/passwd", "http://host\n"}) {
    auto url = parse_server_url(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(url.error().field, "POLYVOX_URL") << bad;
  }
}

TEST(ServerUrlTest, NeverRepeatsUserInfo) {
  auto url = parse_server_url("https://alice:s3cret@example.org");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().to_string().find("s3cret"), std::string::npos);
  EXPECT_NE(url.error().message.find("POLYVOX_TOKEN"), std::string::npos);
}

TEST(TerminalSafeTest, ReplacesControlCharactersAndKeepsText) {
  EXPECT_EQ(terminal_safe("quota \x1b[31mexceeded\x07\r\n"), "quota ?[31mexceeded???");
  EXPECT_EQ(terminal_safe("C1 \xC2\x9B"
                          "2J"),
            "C1 ?2J");  // U+009B, a CSI on some terminals
  EXPECT_EQ(terminal_safe("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xE2\x80\x94 ok"),
            "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xE2\x80\x94 ok");
  EXPECT_EQ(terminal_safe("bad \xFF byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(terminal_safe(std::string(600, 'x'), 10), "xxxxxxxxxx...");
}

TEST(ErrorFromResponseTest, CarriesTheServersMessageCodeAndFieldWithAKindByStatus) {
  http::HttpClientResponse response;
  response.status = 400;
  response.body = R"({"error": {"code": "UNKNOWN_VOICE", "message": "no voice 'x'",
                     "field": "blocks[2].voice"}})";
  Error e = error_from_response(response, "the server refused the job");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks[2].voice");
  EXPECT_EQ(e.message, "the server refused the job: HTTP 400: no voice 'x' (UNKNOWN_VOICE)");

  const std::pair<int, ErrorKind> kinds[] = {
      {413, ErrorKind::kInvalidInput},    {415, ErrorKind::kInvalidInput},
      {401, ErrorKind::kUnauthenticated}, {403, ErrorKind::kForbidden},
      {404, ErrorKind::kNotFound},        {429, ErrorKind::kRateLimited},
      {500, ErrorKind::kUnavailable},     {503, ErrorKind::kUnavailable},
      {302, ErrorKind::kUnavailable}};
  for (const auto& [status, kind] : kinds) {
    response.status = status;
    response.body = "<html>not json</html>";
    e = error_from_response(response, "x");
    EXPECT_EQ(e.kind, kind) << status;
    EXPECT_EQ(e.message, "x: HTTP " + std::to_string(status));
  }
}

TEST(ErrorFromResponseTest, TakesRetryAfter) {
  http::HttpClientResponse response;
  response.status = 429;
  response.headers = {{"retry-after", "7"}};
  EXPECT_EQ(error_from_response(response, "login").retry_after_s, 7);
}

}  // namespace
}  // namespace polyvox
