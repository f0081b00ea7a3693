// The address guard's classification (every refused range, its edges and the IPv6 forms that
// carry an IPv4 address), ranges, and the WEBHOOK_ALLOWED_HOSTS policy.
#include "http/address_guard.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace polyvox::http {
namespace {

AddressClass class_of(const std::string& text) {
  auto address = parse_ip_address(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address ? classify_address(*address) : AddressClass::kPublic;
}

struct Case {
  const char* address;
  AddressClass expected;
};

void expect_classes(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(class_of(c.address), c.expected)
        << c.address << " is " << address_class_name(class_of(c.address)) << ", expected "
        << address_class_name(c.expected);
  }
}

using K = AddressClass;

TEST(AddressGuardTest, ParsesAddressesAndPrintsThemCanonically) {
  EXPECT_EQ(to_string(*parse_ip_address("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(to_string(*parse_ip_address("2001:DB8:0:0::1")), "2001:db8::1");
  EXPECT_EQ(to_string(*parse_ip_address("::ffff:127.0.0.1")), "::ffff:127.0.0.1");
  EXPECT_FALSE(parse_ip_address("[::1]").has_value());  // brackets belong to URLs
  EXPECT_FALSE(parse_ip_address("fe80::1%eth0").has_value());
  EXPECT_FALSE(parse_ip_address("127.1").has_value());  // no shorthand forms
  EXPECT_FALSE(parse_ip_address("0x7f.0.0.1").has_value());
  EXPECT_FALSE(parse_ip_address("256.0.0.1").has_value());
  EXPECT_FALSE(parse_ip_address(std::string("127.0.0.1\0x", 11)).has_value());
  EXPECT_FALSE(parse_ip_address("").has_value());
  EXPECT_FALSE(parse_ip_address("localhost").has_value());
}

TEST(AddressGuardTest, ClassifiesEveryRefusedIpv4RangeAtItsEdges) {
  expect_classes({
      {"0.0.0.0", K::kUnspecified},
      {"0.255.255.255", K::kUnspecified},
      {"1.0.0.0", K::kPublic},
      {"9.255.255.255", K::kPublic},
      {"10.0.0.0", K::kPrivate},
      {"10.255.255.255", K::kPrivate},
      {"11.0.0.0", K::kPublic},
      {"100.63.255.255", K::kPublic},
      {"100.64.0.0", K::kShared},
      {"100.127.255.255", K::kShared},
      {"100.128.0.0", K::kPublic},
      {"126.255.255.255", K::kPublic},
      {"127.0.0.0", K::kLoopback},
      {"127.0.0.1", K::kLoopback},
      {"127.255.255.255", K::kLoopback},
      {"128.0.0.0", K::kPublic},
      {"169.253.255.255", K::kPublic},
      {"169.254.0.0", K::kLinkLocal},
      {"169.254.169.254", K::kLinkLocal},
      {"169.254.255.255", K::kLinkLocal},
      {"169.255.0.0", K::kPublic},
      {"172.15.255.255", K::kPublic},
      {"172.16.0.0", K::kPrivate},
      {"172.31.255.255", K::kPrivate},
      {"172.32.0.0", K::kPublic},
      {"192.0.0.0", K::kReserved},
      {"192.0.0.255", K::kReserved},
      {"192.0.1.0", K::kPublic},
      {"192.0.2.0", K::kReserved},
      {"192.0.2.255", K::kReserved},
      {"192.88.99.1", K::kReserved},
      {"192.167.255.255", K::kPublic},
      {"192.168.0.0", K::kPrivate},
      {"192.168.255.255", K::kPrivate},
      {"192.169.0.0", K::kPublic},
      {"198.17.255.255", K::kPublic},
      {"198.18.0.0", K::kReserved},
      {"198.19.255.255", K::kReserved},
      {"198.20.0.0", K::kPublic},
      {"198.51.100.7", K::kReserved},
      {"203.0.113.9", K::kReserved},
      {"223.255.255.255", K::kPublic},
      {"224.0.0.0", K::kMulticast},
      {"239.255.255.255", K::kMulticast},
      {"240.0.0.0", K::kReserved},
      {"255.255.255.254", K::kReserved},
      {"255.255.255.255", K::kBroadcast},
      {"8.8.8.8", K::kPublic},
  });
}

TEST(AddressGuardTest, ClassifiesEveryRefusedIpv6RangeAtItsEdges) {
  expect_classes({
      {"::", K::kUnspecified},
      {"::1", K::kLoopback},
      {"::2", K::kReserved},  // IPv4-compatible (deprecated)
      {"::8.8.8.8", K::kReserved},
      {"fc00::", K::kUniqueLocal},
      {"fd12:3456::1", K::kUniqueLocal},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kUniqueLocal},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kReserved},  // outside 2000::/3
      {"fe80::", K::kLinkLocal},
      {"fe80::1", K::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kLinkLocal},
      {"fec0::1", K::kReserved},
      {"ff00::", K::kMulticast},
      {"ff02::1", K::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kMulticast},
      {"64:ff9b:1::1", K::kReserved},
      {"100::1", K::kReserved},
      {"2001:db8::1", K::kReserved},
      {"2001:10::1", K::kReserved},
      {"2001:20::1", K::kReserved},
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kReserved},
      {"2000::", K::kPublic},
      {"2606:4700:4700::1111", K::kPublic},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", K::kPublic},
      {"4000::", K::kReserved},
  });
}

// The IPv6 forms of an IPv4 address are what that IPv4 address is, for every refused range.
TEST(AddressGuardTest, Ipv6FormsCarryingAnIpv4AddressGetItsClass) {
  const std::vector<std::pair<std::string, AddressClass>> inner = {
      {"0.0.0.0", K::kUnspecified},
      {"10.1.2.3", K::kPrivate},
      {"100.64.0.1", K::kShared},
      {"127.0.0.1", K::kLoopback},
      {"169.254.169.254", K::kLinkLocal},
      {"172.16.0.1", K::kPrivate},
      {"192.168.1.1", K::kPrivate},
      {"224.0.0.1", K::kMulticast},
      {"255.255.255.255", K::kBroadcast},
      {"240.0.0.1", K::kReserved},
      {"8.8.8.8", K::kPublic},
  };
  for (const auto& [v4, expected] : inner) {
    EXPECT_EQ(class_of("::ffff:" + v4), expected) << "mapped " << v4;
    EXPECT_EQ(class_of("::ffff:0:" + v4), expected) << "translated " << v4;
    EXPECT_EQ(class_of("64:ff9b::" + v4), expected) << "NAT64 " << v4;
    const auto mapped = parse_ip_address("::ffff:" + v4);
    ASSERT_TRUE(mapped_ipv4(*mapped).has_value());
    EXPECT_EQ(to_string(*mapped_ipv4(*mapped)), v4);
  }
  // The same in hexadecimal: ::ffff:7f00:1 is ::ffff:127.0.0.1.
  EXPECT_EQ(class_of("::ffff:7f00:1"), K::kLoopback);
  EXPECT_EQ(class_of("64:ff9b::a9fe:a9fe"), K::kLinkLocal);
  // 6to4 carries its IPv4 address in bytes 2..5, Teredo its client's inverted in the last 4.
  EXPECT_EQ(class_of("2002:c0a8:0101::1"), K::kPrivate);                      // 192.168.1.1
  EXPECT_EQ(class_of("2002:7f00:0001::1"), K::kLoopback);                     // 127.0.0.1
  EXPECT_EQ(class_of("2002:0808:0808::1"), K::kPublic);                       // 8.8.8.8
  EXPECT_EQ(class_of("2001:0:4136:e378:8000:63bf:80ff:fffe"), K::kLoopback);  // ~7f00:0001
  EXPECT_EQ(class_of("2001:0:4136:e378:8000:63bf:3fff:fdd2"), K::kReserved);  // 192.0.2.45
  EXPECT_EQ(class_of("2001:0:4136:e378:8000:63bf:f7f7:f7f7"), K::kPublic);    // 8.8.8.8
  EXPECT_FALSE(mapped_ipv4(*parse_ip_address("64:ff9b::7f00:1")).has_value());
  EXPECT_FALSE(mapped_ipv4(*parse_ip_address("127.0.0.1")).has_value());
}

TEST(AddressGuardTest, RangesMatchTheirPrefixAndClearHostBits) {
  auto range = parse_address_range("10.1.2.3/8");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(to_string(range->base), "10.0.0.0");
  EXPECT_EQ(range->prefix_length, 8);
  EXPECT_TRUE(range->contains(*parse_ip_address("10.255.0.1")));
  EXPECT_FALSE(range->contains(*parse_ip_address("11.0.0.0")));
  EXPECT_TRUE(range->contains(*parse_ip_address("::ffff:10.9.9.9")));     // the same destination
  EXPECT_FALSE(range->contains(*parse_ip_address("64:ff9b::10.9.9.9")));  // a NAT64 gateway's
  auto odd = parse_address_range("172.16.0.0/12");
  EXPECT_TRUE(odd->contains(*parse_ip_address("172.31.255.255")));
  EXPECT_FALSE(odd->contains(*parse_ip_address("172.32.0.0")));
  auto one = parse_address_range("[::1]");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->prefix_length, 128);
  EXPECT_TRUE(one->contains(*parse_ip_address("::1")));
  EXPECT_FALSE(one->contains(*parse_ip_address("::2")));
  auto v6 = parse_address_range("fd00::/8");
  EXPECT_TRUE(v6->contains(*parse_ip_address("fdab::1")));
  EXPECT_FALSE(v6->contains(*parse_ip_address("fc00::1")));
  auto everything = parse_address_range("0.0.0.0/0");
  EXPECT_TRUE(everything->contains(*parse_ip_address("203.0.113.1")));
  EXPECT_FALSE(everything->contains(*parse_ip_address("2001:db8::1")));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8",
                          "10.0.0.0/08a", "host/8", ""}) {
    EXPECT_FALSE(parse_address_range(bad).has_value()) << bad;
  }
}

TEST(AddressGuardTest, PolicyRefusesEveryNonPublicAddressByDefault) {
  const AddressPolicy policy;
  EXPECT_EQ(*policy.refusal(*parse_ip_address("127.0.0.1")), "127.0.0.1 is loopback");
  EXPECT_EQ(*policy.refusal(*parse_ip_address("::ffff:169.254.169.254")),
            "::ffff:169.254.169.254 is link-local");
  EXPECT_EQ(*policy.refusal(*parse_ip_address("100.100.100.100")),
            "100.100.100.100 is shared (CGNAT)");
  EXPECT_FALSE(policy.refusal(*parse_ip_address("93.184.216.34")).has_value());
  EXPECT_FALSE(policy.refusal(*parse_ip_address("2606:2800:220:1::1")).has_value());
  EXPECT_FALSE(policy.allows_host("localhost"));
}

TEST(AddressGuardTest, PolicyAllowsWhatItsListNames) {
  auto policy = AddressPolicy::parse(" 127.0.0.1, Hooks.Internal. ,10.0.0.0/8,, [::1] ,fd00::/8 ",
                                     "WEBHOOK_ALLOWED_HOSTS");
  ASSERT_TRUE(policy.ok()) << policy.error().to_string();
  EXPECT_FALSE(policy->refusal(*parse_ip_address("127.0.0.1")).has_value());
  EXPECT_FALSE(policy->refusal(*parse_ip_address("::ffff:127.0.0.1")).has_value());
  EXPECT_TRUE(policy->refusal(*parse_ip_address("127.0.0.2")).has_value());
  EXPECT_FALSE(policy->refusal(*parse_ip_address("10.20.30.40")).has_value());
  EXPECT_TRUE(policy->refusal(*parse_ip_address("192.168.0.1")).has_value());
  EXPECT_FALSE(policy->refusal(*parse_ip_address("::1")).has_value());
  EXPECT_FALSE(policy->refusal(*parse_ip_address("fd00::5")).has_value());
  EXPECT_TRUE(policy->refusal(*parse_ip_address("fe80::1")).has_value());
  EXPECT_TRUE(policy->allows_host("hooks.internal"));
  EXPECT_TRUE(policy->allows_host("HOOKS.internal."));
  EXPECT_FALSE(policy->allows_host("other.internal"));
  EXPECT_FALSE(policy->allows_host("internal"));
  EXPECT_EQ(policy->hosts().size(), 1u);
  EXPECT_EQ(policy->ranges().size(), 4u);
}

TEST(AddressGuardTest, PolicyEntryThatIsNothingKnownIsAnErrorNamingTheVariable) {
  const std::vector<std::string> lists = {"hooks example.com",
                                          "http://hooks.example.com",
                                          "10.0.0.0/33",
                                          "1.2.3",
                                          "300.1.1.1",
                                          "user@host",
                                          "[::1",
                                          "fe80::1%eth0",
                                          "a..b",
                                          ".hooks",
                                          "hooks..",
                                          "6ffd09........",
                                          std::string(64, 'a') + ".example"};
  for (const std::string& list : lists) {
    auto policy = AddressPolicy::parse(list, "WEBHOOK_ALLOWED_HOSTS");
    ASSERT_FALSE(policy.ok()) << list;
    EXPECT_EQ(policy.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(policy.error().field, "WEBHOOK_ALLOWED_HOSTS");
    EXPECT_NE(policy.error().message.find("is not a host name"), std::string::npos);
  }
  EXPECT_TRUE(AddressPolicy::parse("", "WEBHOOK_ALLOWED_HOSTS").ok());
  EXPECT_TRUE(AddressPolicy::parse("hooks.example.", "WEBHOOK_ALLOWED_HOSTS").ok());
  EXPECT_TRUE(AddressPolicy::parse(std::string(63, 'a') + ".example", "W").ok());
}

}  // namespace
}  // namespace polyvox::http
