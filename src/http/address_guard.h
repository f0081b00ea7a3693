// The address guard against server-side request forgery: which addresses a connection made on a
// user's behalf (a webhook) may go to. Every address that is not public (loopback, private,
// link-local, shared CGNAT, "this network", multicast, unique-local, broadcast, reserved, and
// the IPv6 forms that carry one of these IPv4 addresses) is refused unless listed
// (WEBHOOK_ALLOWED_HOSTS). Pure functions and plain data: HttpClient applies the policy when a
// socket is opened, after DNS (http_client.h, HttpClientOptions::address_policy).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace polyvox::http {

// An IPv4 or IPv6 address, bytes in network order.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4, the rest zero

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddress{false, {a, b, c, d}};
  }
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1" (four decimal parts) or "2001:db8::1" (any RFC 4291 text form, IPv4 tail
// included), without brackets or zone id; nullopt for anything else. Thread-safe.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// The canonical text of `address` ("192.0.2.1", "2001:db8::1", "::ffff:127.0.0.1").
std::string to_string(const IpAddress& address);

// What kind of destination an address is. Only kPublic is allowed by default.
enum class AddressClass {
  kPublic,
  kUnspecified,  // 0.0.0.0/8 ("this network"), ::/128
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16
  kLinkLocal,    // 169.254.0.0/16, fe80::/10
  kShared,       // 100.64.0.0/10 (carrier-grade NAT)
  kMulticast,    // 224.0.0.0/4, ff00::/8
  kUniqueLocal,  // fc00::/7
  kBroadcast,    // 255.255.255.255
  // Not routable on the Internet: 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 198.18.0.0/15,
  // 198.51.100.0/24, 203.0.113.0/24, 240.0.0.0/4; IPv4-compatible ::/96, 64:ff9b:1::/48,
  // 100::/64, 2001:db8::/32, 2001:10::/28, 2001:20::/28, fec0::/10, and every IPv6 address
  // outside 2000::/3 not named above.
  kReserved,
};

// "public", "loopback", "link-local", "shared (CGNAT)", ...
const char* address_class_name(AddressClass kind);

// The class of `address`. An IPv6 address that carries an IPv4 one gets the class of that IPv4
// address: IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96,
// 6to4 2002::/16 (when the IPv4 address is not public), Teredo 2001::/32 (its client address,
// when not public). Thread-safe.
AddressClass classify_address(const IpAddress& address);

// The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-translated
// (::ffff:0:a.b.c.d) address: the same destination as that IPv4 address. nullopt otherwise.
std::optional<IpAddress> mapped_ipv4(const IpAddress& address);

// A range of addresses: those whose first `prefix_length` bits are `base`'s.
struct AddressRange {
  IpAddress base;  // host bits zero
  int prefix_length = 0;

  // True for an address of the same family in the range; an IPv4-mapped address is matched as
  // its IPv4 address.
  bool contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "fd00::/8", or one address ("127.0.0.1", "::1", "[::1]") as a range of one.
// Host bits set in the base are cleared. nullopt for anything else. Thread-safe.
std::optional<AddressRange> parse_address_range(std::string_view text);

// Which destinations are allowed: public addresses, and what the list says.
class AddressPolicy {
 public:
  // The public addresses only.
  AddressPolicy() = default;

  // From a comma-separated list of host names ("hooks.internal"), addresses ("127.0.0.1",
  // "::1") and CIDR ranges ("10.0.0.0/8"); spaces around entries and empty entries are ignored.
  // kInvalidInput naming `field` and the entry for one that is none of these. Thread-safe.
  static Result<AddressPolicy> parse(std::string_view list, std::string_view field);

  // True when `host` (a URL's host, brackets removed) is a listed host name (case-insensitive,
  // a trailing dot ignored): any address it resolves to may be connected to.
  bool allows_host(std::string_view host) const;

  // Why a connection to `address` is refused ("127.0.0.1 is loopback"), or nullopt when it is
  // allowed: a public address, or one in a listed range.
  std::optional<std::string> refusal(const IpAddress& address) const;

  const std::vector<std::string>& hosts() const { return hosts_; }
  const std::vector<AddressRange>& ranges() const { return ranges_; }

 private:
  std::vector<std::string> hosts_;  // lower case, no trailing dot
  std::vector<AddressRange> ranges_;
};

}  // namespace polyvox::http
