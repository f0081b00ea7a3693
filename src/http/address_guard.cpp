#include "http/address_guard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace polyvox::http {
namespace {

constexpr std::size_t kMaxAddressText = 64;
constexpr std::size_t kMaxHostName = 253;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower_host(std::string_view host) {
  std::string out(host);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// Labels of 1 to 63 letters, digits, '-' or '_' separated by dots, one trailing dot allowed.
bool is_host_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxHostName) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;  // an empty label: "a..b", ".a"
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

// True when the first `bits` bits of `a` and `b` (16-byte arrays) are equal.
bool same_prefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

// An IPv6 prefix written as its first bytes, for the classification table below.
bool in_v6(const IpAddress& a, std::initializer_list<uint8_t> prefix_bytes, int bits) {
  std::array<uint8_t, 16> base{};
  std::copy(prefix_bytes.begin(), prefix_bytes.end(), base.begin());
  return same_prefix(a.bytes, base, bits);
}

bool in_v4(const IpAddress& a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3, int bits) {
  return same_prefix(a.bytes, {b0, b1, b2, b3}, bits);
}

AddressClass classify_v4(const IpAddress& a) {
  if (in_v4(a, 0, 0, 0, 0, 8)) return AddressClass::kUnspecified;
  if (in_v4(a, 10, 0, 0, 0, 8)) return AddressClass::kPrivate;
  if (in_v4(a, 100, 64, 0, 0, 10)) return AddressClass::kShared;
  if (in_v4(a, 127, 0, 0, 0, 8)) return AddressClass::kLoopback;
  if (in_v4(a, 169, 254, 0, 0, 16)) return AddressClass::kLinkLocal;
  if (in_v4(a, 172, 16, 0, 0, 12)) return AddressClass::kPrivate;
  if (in_v4(a, 192, 0, 0, 0, 24)) return AddressClass::kReserved;
  if (in_v4(a, 192, 0, 2, 0, 24)) return AddressClass::kReserved;
  if (in_v4(a, 192, 88, 99, 0, 24)) return AddressClass::kReserved;
  if (in_v4(a, 192, 168, 0, 0, 16)) return AddressClass::kPrivate;
  if (in_v4(a, 198, 18, 0, 0, 15)) return AddressClass::kReserved;
  if (in_v4(a, 198, 51, 100, 0, 24)) return AddressClass::kReserved;
  if (in_v4(a, 203, 0, 113, 0, 24)) return AddressClass::kReserved;
  if (in_v4(a, 224, 0, 0, 0, 4)) return AddressClass::kMulticast;
  if (in_v4(a, 255, 255, 255, 255, 32)) return AddressClass::kBroadcast;
  if (in_v4(a, 240, 0, 0, 0, 4)) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

// The IPv4 address in bytes [at, at + 4) of `a`, each byte XORed with `flip`.
IpAddress embedded_v4(const IpAddress& a, int at, uint8_t flip = 0) {
  return IpAddress::v4(a.bytes[at] ^ flip, a.bytes[at + 1] ^ flip, a.bytes[at + 2] ^ flip,
                       a.bytes[at + 3] ^ flip);
}

AddressClass classify_v6(const IpAddress& a) {
  if (auto v4 = mapped_ipv4(a)) return classify_v4(*v4);
  if (in_v6(a, {}, 128)) return AddressClass::kUnspecified;
  if (in_v6(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128)) {
    return AddressClass::kLoopback;
  }
  if (in_v6(a, {}, 96)) return AddressClass::kReserved;  // IPv4-compatible (deprecated)
  if (in_v6(a, {0x00, 0x64, 0xff, 0x9b}, 96)) return classify_v4(embedded_v4(a, 12));  // NAT64
  if (in_v6(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) return AddressClass::kReserved;
  if (in_v6(a, {0x01, 0x00}, 64)) return AddressClass::kReserved;              // discard-only
  if (in_v6(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return AddressClass::kReserved;  // documentation
  if (in_v6(a, {0x20, 0x01, 0x00, 0x10}, 28)) return AddressClass::kReserved;  // ORCHID
  if (in_v6(a, {0x20, 0x01, 0x00, 0x20}, 28)) return AddressClass::kReserved;  // ORCHIDv2
  // Teredo: the client's IPv4 address, inverted, in the last 4 bytes; 6to4: in bytes 2..5.
  if (in_v6(a, {0x20, 0x01, 0x00, 0x00}, 32)) return classify_v4(embedded_v4(a, 12, 0xFF));
  if (in_v6(a, {0x20, 0x02}, 16)) return classify_v4(embedded_v4(a, 2));
  if (in_v6(a, {0xfc}, 7)) return AddressClass::kUniqueLocal;
  if (in_v6(a, {0xfe, 0x80}, 10)) return AddressClass::kLinkLocal;
  if (in_v6(a, {0xfe, 0xc0}, 10)) return AddressClass::kReserved;  // site-local (deprecated)
  if (in_v6(a, {0xff}, 8)) return AddressClass::kMulticast;
  if (!in_v6(a, {0x20}, 3)) return AddressClass::kReserved;  // not global unicast
  return AddressClass::kPublic;
}

}  // namespace

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  IpAddress out;
  if (::inet_pton(AF_INET, copy.c_str(), out.bytes.data()) == 1) return out;
  out.v6 = true;
  if (::inet_pton(AF_INET6, copy.c_str(), out.bytes.data()) == 1) return out;
  return std::nullopt;
}

std::string to_string(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text) ==
      nullptr) {
    return "?";
  }
  return text;
}

const char* address_class_name(AddressClass kind) {
  switch (kind) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified (this network)";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kShared:
      return "shared (CGNAT)";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kUniqueLocal:
      return "unique-local";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "reserved";
}

AddressClass classify_address(const IpAddress& address) {
  return address.v6 ? classify_v6(address) : classify_v4(address);
}

std::optional<IpAddress> mapped_ipv4(const IpAddress& address) {
  if (!address.v6) return std::nullopt;
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 2765).
  if (in_v6(address, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96) ||
      in_v6(address, {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 96)) {
    return embedded_v4(address, 12);
  }
  return std::nullopt;
}

bool AddressRange::contains(const IpAddress& address) const {
  if (address.v6 == base.v6) return same_prefix(address.bytes, base.bytes, prefix_length);
  if (auto v4 = mapped_ipv4(address); v4 && !base.v6) {
    return same_prefix(v4->bytes, base.bytes, prefix_length);
  }
  return false;
}

std::optional<AddressRange> parse_address_range(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  if (address_text.size() >= 2 && address_text.front() == '[' && address_text.back() == ']') {
    address_text = address_text.substr(1, address_text.size() - 2);
  }
  auto base = parse_ip_address(address_text);
  if (!base) return std::nullopt;
  const int max_bits = base->v6 ? 128 : 32;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    bits = std::stoi(std::string(digits));
    if (bits > max_bits) return std::nullopt;
  }
  AddressRange range{*base, bits};
  for (int i = 0; i < 16; ++i) {  // clear the host bits
    const int kept = std::clamp(bits - 8 * i, 0, 8);
    range.base.bytes[i] &= static_cast<uint8_t>(kept == 0 ? 0 : 0xFF << (8 - kept));
  }
  return range;
}

Result<AddressPolicy> AddressPolicy::parse(std::string_view list, std::string_view field) {
  AddressPolicy policy;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (auto range = parse_address_range(entry)) {
      policy.ranges_.push_back(*range);
    } else if (entry.find_first_of("/:[]") == std::string_view::npos && is_host_name(entry) &&
               entry.find_first_not_of("0123456789.") != std::string_view::npos) {
      policy.hosts_.push_back(lower_host(entry));
    } else {
      return invalid_input(std::string(field),
                           "'" + std::string(entry.substr(0, 80)) +
                               "' is not a host name, an IP address or a CIDR range");
    }
  }
  return policy;
}

bool AddressPolicy::allows_host(std::string_view host) const {
  if (hosts_.empty() || host.empty()) return false;
  const std::string wanted = lower_host(host);
  return std::find(hosts_.begin(), hosts_.end(), wanted) != hosts_.end();
}

std::optional<std::string> AddressPolicy::refusal(const IpAddress& address) const {
  const AddressClass kind = classify_address(address);
  if (kind == AddressClass::kPublic) return std::nullopt;
  for (const AddressRange& range : ranges_) {
    if (range.contains(address)) return std::nullopt;
  }
  return to_string(address) + " is " + address_class_name(kind);
}

}  // namespace polyvox::http
