// What a webhook URL may be: absolute http(s), a host, a port in range, no user info, printable
// ASCII, bounded length; every refusal names the field it was given.
#include "core/webhook_url.h"

#include <gtest/gtest.h>

#include <string>

namespace polyvox {
namespace {

std::string refusal(const std::string& url) {
  Status s = check_webhook_url(url, "webhook_url");
  EXPECT_FALSE(s.ok()) << url << " was accepted";
  if (s.ok()) return "";
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(s.error().field, "webhook_url") << url;
  return s.error().message;
}

TEST(WebhookUrlTest, AcceptsAbsoluteHttpAndHttpsUrls) {
  for (const char* url : {"https://hooks.example.com/polyvox",
                          "http://127.0.0.1:8080/hook?token=abc", "HTTPS://Example.COM",
                          "https://[2001:db8::1]:443/x", "http://[::1]/", "http://a_b.example/",
                          "https://example.com:65535/#fragment", "http://xn--bcher-kva.example/"}) {
    Status s = check_webhook_url(url, "webhook_url");
    EXPECT_TRUE(s.ok()) << url << ": " << (s.ok() ? "" : s.error().message);
  }
}

TEST(WebhookUrlTest, RefusesWhatCannotOrMustNotBeSent) {
  EXPECT_EQ(refusal(""), "must not be empty");
  EXPECT_EQ(refusal("ftp://example.com/"), "must be an absolute http:// or https:// URL");
  EXPECT_EQ(refusal("example.com/hook"), "must be an absolute http:// or https:// URL");
  EXPECT_EQ(refusal("javascript:alert(1)"), "must be an absolute http:// or https:// URL");
  EXPECT_EQ(refusal("https://user:secret@example.com/"),
            "must not contain user info (user:password@)");
  EXPECT_EQ(refusal("https://user@example.com/"), "must not contain user info (user:password@)");
  EXPECT_EQ(refusal("https:///path"), "must name a host");
  EXPECT_EQ(refusal("https://:443/"), "must name a host");
  EXPECT_EQ(refusal("https://example.com:/"), "has an empty port");
  EXPECT_EQ(refusal("https://example.com:0/"), "has a port that is not a number from 1 to 65535");
  EXPECT_EQ(refusal("https://example.com:65536/"),
            "has a port that is not a number from 1 to 65535");
  EXPECT_EQ(refusal("https://example.com:8o/"), "has a port that is not a number from 1 to 65535");
  EXPECT_EQ(refusal("https://[::1/"), "has a malformed IPv6 address");
  EXPECT_EQ(refusal("https://[::1]x/"), "has a malformed host");
  EXPECT_EQ(refusal("https://[zz::1]/"), "has a malformed IPv6 address");
  EXPECT_EQ(refusal("https://exa%6dple.com/"),
            "has a host with a character not allowed in host names");
  EXPECT_NE(refusal("https://example.com/a b").find("printable ASCII"), std::string::npos);
  EXPECT_NE(refusal("https://example.com/\n").find("printable ASCII"), std::string::npos);
  EXPECT_NE(refusal("https://bücher.example/").find("printable ASCII"), std::string::npos);
  const std::string long_url = "https://example.com/" + std::string(2048, 'a');
  EXPECT_EQ(refusal(long_url), "must be at most 2048 characters, got 2068");
}

TEST(WebhookUrlTest, NamesTheFieldItWasGiven) {
  Status s = check_webhook_url("nope", "WEBHOOK_URL");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().to_string(), "WEBHOOK_URL: must be an absolute http:// or https:// URL");
}

}  // namespace
}  // namespace polyvox
