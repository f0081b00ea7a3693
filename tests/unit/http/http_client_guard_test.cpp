// HttpClient with an address policy (HttpClientOptions::address_policy): refused addresses are
// never connected to, whether given as an address or reached through DNS; listed addresses and
// host names are; proxies from the environment are not used; redirects are not followed; a
// long answer can be cut instead of failing the request.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "http/http_client.h"
#include "support/closed_port.h"
#include "support/webhook_receiver.h"

namespace polyvox::http {
namespace {

using test_support::WebhookReceiver;

HttpClient guarded_client(const std::string& allowed) {
  HttpClientOptions options;
  auto policy = AddressPolicy::parse(allowed, "WEBHOOK_ALLOWED_HOSTS");
  EXPECT_TRUE(policy.ok());
  options.address_policy = std::make_shared<const AddressPolicy>(*policy);
  return HttpClient(options);
}

HttpClientRequest post(const std::string& url) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = url;
  request.body = R"({"hello":"receiver"})";
  request.connect_timeout = std::chrono::milliseconds(2'000);
  request.total_timeout = std::chrono::milliseconds(5'000);
  return request;
}

TEST(HttpClientGuardTest, RefusedAddressIsForbiddenAndNeverConnectedTo) {
  WebhookReceiver receiver;
  const HttpClient client = guarded_client("");
  auto response = client.send(post(receiver.url()));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kForbidden);
  EXPECT_NE(response.error().message.find("refused by the address guard: 127.0.0.1 is loopback"),
            std::string::npos)
      << response.error().message;
  EXPECT_EQ(receiver.stop_and_count_connections(), 0);
}

TEST(HttpClientGuardTest, AHostNameThatResolvesToARefusedAddressIsRefusedAfterDns) {
  WebhookReceiver receiver;
  const HttpClient client = guarded_client("10.0.0.0/8");
  auto response =
      client.send(post("http://localhost:" + std::to_string(receiver.port()) + "/hook"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kForbidden);
  EXPECT_NE(response.error().message.find("is loopback"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(receiver.stop_and_count_connections(), 0);
}

TEST(HttpClientGuardTest, ListedAddressIsConnectedTo) {
  WebhookReceiver receiver;
  const HttpClient client = guarded_client("127.0.0.1");
  auto response = client.send(post(receiver.url()));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(receiver.requests()[0].body, R"({"hello":"receiver"})");
}

TEST(HttpClientGuardTest, ListedHostNameAllowsWhatItResolvesTo) {
  WebhookReceiver receiver;
  const HttpClient client = guarded_client("LocalHost");
  auto response =
      client.send(post("http://localhost:" + std::to_string(receiver.port()) + "/hook"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  // The name allows its addresses, not other addresses of the same kind.
  auto by_address = client.send(post(receiver.url()));
  ASSERT_FALSE(by_address.ok());
  EXPECT_EQ(by_address.error().kind, ErrorKind::kForbidden);
}

TEST(HttpClientGuardTest, ProxiesFromTheEnvironmentAreNotUsed) {
  WebhookReceiver receiver;
  const std::string proxy = "http://127.0.0.1:" + std::to_string(test_support::closed_port());
  ::setenv("http_proxy", proxy.c_str(), 1);
  ::setenv("HTTP_PROXY", proxy.c_str(), 1);
  ::setenv("ALL_PROXY", proxy.c_str(), 1);
  const HttpClient client = guarded_client("127.0.0.1");
  auto response = client.send(post(receiver.url()));
  ::unsetenv("http_proxy");
  ::unsetenv("HTTP_PROXY");
  ::unsetenv("ALL_PROXY");
  ASSERT_TRUE(response.ok()) << response.error().message;  // straight to the receiver
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(HttpClientGuardTest, RedirectIsReturnedNotFollowed) {
  WebhookReceiver receiver({302});
  const HttpClient client = guarded_client("127.0.0.1");
  auto response = client.send(post(receiver.url()));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->header("location"), "http://127.0.0.1:1/elsewhere");
  EXPECT_EQ(receiver.stop_and_count_connections(), 1);
}

TEST(HttpClientGuardTest, ALongAnswerIsCutWhenAskedAndAnErrorOtherwise) {
  WebhookReceiver receiver({}, std::string(200'000, 'x'));
  const HttpClient client = guarded_client("127.0.0.1");
  HttpClientRequest request = post(receiver.url());
  request.max_response_bytes = 4096;
  request.truncate_response = true;
  auto cut = client.send(request);
  ASSERT_TRUE(cut.ok()) << cut.error().message;
  EXPECT_EQ(cut->status, 200);
  EXPECT_EQ(cut->body, std::string(4096, 'x'));
  request.truncate_response = false;
  auto refused = client.send(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("response larger than 4096 bytes"), std::string::npos);
}

}  // namespace
}  // namespace polyvox::http
