// The client behind trusted reverse proxies (api/client_address.h): X-Forwarded-For believed
// only as far as trusted proxies vouch for it, read from the right.
#include "api/client_address.h"

#include <gtest/gtest.h>

#include "api/client_address_middleware.h"

namespace polyvox {
namespace {

TrustedProxies proxies(std::string_view list) {
  auto parsed = TrustedProxies::parse(list, "TRUSTED_PROXIES");
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? *parsed : TrustedProxies();
}

TEST(TrustedProxiesTest, WithoutTrustedProxiesTheHeaderIsIgnored) {
  const TrustedProxies none;
  EXPECT_EQ(none.client_of("127.0.0.1", "203.0.113.7"), "127.0.0.1");
}

TEST(TrustedProxiesTest, AnUntrustedPeersHeaderIsIgnored) {
  // A client that writes the header itself, straight to the service.
  EXPECT_EQ(proxies("10.0.0.0/8").client_of("198.51.100.2", "203.0.113.7"), "198.51.100.2");
}

TEST(TrustedProxiesTest, TheFirstAddressFromTheRightThatIsNoTrustedProxyIsTheClient) {
  const TrustedProxies p = proxies(" 127.0.0.1 , 10.0.0.0/8,,fd00::/8 ");
  EXPECT_EQ(p.client_of("127.0.0.1", "203.0.113.7"), "203.0.113.7");
  // The client wrote a header of its own before the proxies appended: its claim is not read.
  EXPECT_EQ(p.client_of("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3"), "203.0.113.7");
  EXPECT_EQ(p.client_of("::ffff:127.0.0.1", "2001:db8::7, fd00::1"), "2001:db8::7");
  EXPECT_EQ(p.client_of("127.0.0.1", "2001:DB8:0::7"), "2001:db8::7");  // canonical text
}

TEST(TrustedProxiesTest, PortsSomeProxiesAppendAreDropped) {
  const TrustedProxies p = proxies("127.0.0.1");
  EXPECT_EQ(p.client_of("127.0.0.1", "203.0.113.7:4711"), "203.0.113.7");
  EXPECT_EQ(p.client_of("127.0.0.1", "[2001:db8::7]:4711"), "2001:db8::7");
  EXPECT_EQ(p.client_of("127.0.0.1", "[2001:db8::7]"), "2001:db8::7");
}

TEST(TrustedProxiesTest, AnEntryThatIsNoAddressEndsTheWalkAtTheLastVouchedFor) {
  const TrustedProxies p = proxies("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(p.client_of("127.0.0.1", "unknown"), "127.0.0.1");
  EXPECT_EQ(p.client_of("127.0.0.1", "203.0.113.7, garbage, 10.0.0.9"), "10.0.0.9");
  for (const char* bad : {"[203.0.113.7]:1", "203.0.113.7:", "203.0.113.7:123456", "[::1",
                          "2001:db8::7:80:x", "example.com", "203.0.113.7 1"}) {
    EXPECT_EQ(p.client_of("127.0.0.1", bad), "127.0.0.1") << bad;
  }
  // Every entry a trusted proxy: the leftmost; nothing at all: the peer.
  EXPECT_EQ(p.client_of("127.0.0.1", "10.0.0.1, 10.0.0.2"), "10.0.0.1");
  EXPECT_EQ(p.client_of("127.0.0.1", ""), "127.0.0.1");
  EXPECT_EQ(p.client_of("127.0.0.1", " , "), "127.0.0.1");
}

// The worst a client can send: a header as long as the server takes (its header limit), every
// entry a trusted proxy, so that the walk reads it all. Read once, right to left: the leftmost.
TEST(TrustedProxiesTest, AHeaderOfOnlyTrustedEntriesIsWalkedToItsLeftmost) {
  const TrustedProxies p = proxies("10.0.0.0/8, 127.0.0.1");
  std::string header;
  for (int i = 0; i < 5000; ++i) {
    header += (i ? ", 10.0." : "10.0.") + std::to_string(i / 256) + "." + std::to_string(i % 256);
  }
  EXPECT_GT(header.size(), 50'000u);
  EXPECT_EQ(p.client_of("127.0.0.1", header), "10.0.0.0");
  EXPECT_EQ(p.client_of("127.0.0.1", header + ", 203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(p.client_of("127.0.0.1", std::string(60'000, ',')), "127.0.0.1");
}

TEST(TrustedProxiesTest, AListEntryThatIsNoAddressOrRangeIsNamed) {
  for (const char* list : {"proxy.internal", "10.0.0.0/33", "127.0.0.1, nope", "1.2.3"}) {
    auto parsed = TrustedProxies::parse(list, "TRUSTED_PROXIES");
    ASSERT_FALSE(parsed.ok()) << list;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(parsed.error().field, "TRUSTED_PROXIES");
    EXPECT_NE(parsed.error().message.find("is not an address or a CIDR range"), std::string::npos)
        << parsed.error().message;
  }
  EXPECT_TRUE(TrustedProxies::parse("", "TRUSTED_PROXIES")->empty());
}

TEST(ClientAddressMiddlewareTest, EveryForwardedForHeaderIsReadAsOneListInOrder) {
  ClientAddressMiddleware middleware(proxies("127.0.0.1, 10.0.0.0/8"));
  Exchange exchange;
  exchange.request.remote_address = "127.0.0.1";
  exchange.request.headers = {{"x-forwarded-for", "1.2.3.4, 203.0.113.7"},
                              {"accept", "*/*"},
                              {"x-forwarded-for", "10.0.0.5"}};
  middleware.before(exchange);
  EXPECT_EQ(exchange.request.remote_address, "203.0.113.7");
  EXPECT_FALSE(exchange.answered);

  Exchange direct;  // an untrusted peer keeps its own address
  direct.request.remote_address = "198.51.100.2";
  direct.request.headers = {{"x-forwarded-for", "203.0.113.7"}};
  middleware.before(direct);
  EXPECT_EQ(direct.request.remote_address, "198.51.100.2");
}

}  // namespace
}  // namespace polyvox
