// The address guard (http/address_guard.h) on arbitrary bytes: as address text, as an address
// range, as a WEBHOOK_ALLOWED_HOSTS list, and (the first 16 bytes) as a raw IPv6 address.
// Properties: a parsed address prints and parses back to itself; an IPv6 address carrying an
// IPv4 one (mapped, NAT64) is classified as that IPv4 address; a range contains its base and
// its base has no host bits; what a parsed policy lists, it allows; public addresses are never
// refused.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz_check.h"
#include "http/address_guard.h"

using polyvox::fuzz::check;
using namespace polyvox::http;

namespace {

void check_address(const IpAddress& a) {
  const AddressClass kind = classify_address(a);
  const auto parsed = parse_ip_address(to_string(a));
  check(parsed.has_value() && *parsed == a, "an address prints and parses back to itself");
  const AddressPolicy open_policy;
  check(open_policy.refusal(a).has_value() == (kind != AddressClass::kPublic),
        "only non-public addresses are refused");
  if (auto v4 = mapped_ipv4(a)) {
    check(classify_address(*v4) == kind, "a mapped address is classified as its IPv4 address");
  }
  if (!a.v6) {
    IpAddress mapped{true, {}};
    mapped.bytes[10] = mapped.bytes[11] = 0xff;
    std::memcpy(&mapped.bytes[12], a.bytes.data(), 4);
    check(classify_address(mapped) == kind, "::ffff:a.b.c.d is classified as a.b.c.d");
    IpAddress nat64{true, {0x00, 0x64, 0xff, 0x9b}};
    std::memcpy(&nat64.bytes[12], a.bytes.data(), 4);
    check(classify_address(nat64) == kind, "64:ff9b::a.b.c.d is classified as a.b.c.d");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = parse_ip_address(text)) check_address(*a);
  if (size >= 16) {
    IpAddress raw{true, {}};
    std::memcpy(raw.bytes.data(), data, 16);
    check_address(raw);
    check_address(IpAddress::v4(data[0], data[1], data[2], data[3]));
  }
  if (auto range = parse_address_range(text)) {
    check(range->prefix_length >= 0 && range->prefix_length <= (range->base.v6 ? 128 : 32),
          "a prefix length fits its family");
    check(range->contains(range->base), "a range contains its base");
    const auto again =
        parse_address_range(to_string(range->base) + "/" + std::to_string(range->prefix_length));
    check(again.has_value() && again->base == range->base, "a range's base has no host bits");
  }
  if (auto policy = AddressPolicy::parse(text, "WEBHOOK_ALLOWED_HOSTS")) {
    for (const AddressRange& range : policy->ranges()) {
      check(!policy->refusal(range.base).has_value(), "a listed range is allowed");
    }
    for (const std::string& host : policy->hosts()) {
      check(policy->allows_host(host), "a listed host is allowed");
    }
  } else {
    check(policy.error().field == "WEBHOOK_ALLOWED_HOSTS", "the error names the variable");
  }
  return 0;
}
