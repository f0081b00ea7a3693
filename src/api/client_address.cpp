#include "api/client_address.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "http/address_guard.h"

namespace polyvox {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// An X-Forwarded-For entry's address: "192.0.2.1", "2001:db8::1", or either with a port as some
// proxies write it ("192.0.2.1:4711", "[2001:db8::1]:4711", "[2001:db8::1]").
std::optional<http::IpAddress> entry_address(std::string_view entry) {
  if (auto address = http::parse_ip_address(entry)) return address;
  if (!entry.empty() && entry.front() == '[') {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view after = entry.substr(close + 1);
    if (!after.empty() && !(after.front() == ':' && all_digits(after.substr(1)))) {
      return std::nullopt;
    }
    auto address = http::parse_ip_address(entry.substr(1, close - 1));
    if (address && !address->v6) return std::nullopt;  // brackets are for IPv6
    return address;
  }
  const std::size_t colon = entry.find(':');
  if (colon == std::string_view::npos || entry.find(':', colon + 1) != std::string_view::npos ||
      !all_digits(entry.substr(colon + 1))) {
    return std::nullopt;
  }
  auto address = http::parse_ip_address(entry.substr(0, colon));
  if (address && address->v6) return std::nullopt;
  return address;
}

}  // namespace

struct TrustedProxies::Ranges {
  std::vector<http::AddressRange> list;

  bool contain(const http::IpAddress& address) const {
    return std::any_of(list.begin(), list.end(),
                       [&address](const http::AddressRange& r) { return r.contains(address); });
  }
};

Result<TrustedProxies> TrustedProxies::parse(std::string_view list, std::string_view field) {
  auto ranges = std::make_shared<Ranges>();
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    auto range = http::parse_address_range(entry);
    if (!range) {
      return invalid_input(std::string(field),
                           "'" + std::string(entry.substr(0, 100)) +
                               "' is not an address or a CIDR range (e.g. 10.0.0.0/8, ::1)");
    }
    ranges->list.push_back(*range);
  }
  TrustedProxies out;
  if (!ranges->list.empty()) out.ranges_ = std::move(ranges);
  return out;
}

bool TrustedProxies::trusts(std::string_view address) const {
  const auto parsed = http::parse_ip_address(address);
  return parsed && ranges_ && ranges_->contain(*parsed);
}

std::string TrustedProxies::client_of(std::string_view peer, std::string_view forwarded_for) const {
  if (!trusts(peer)) return std::string(peer);
  std::string client(peer);
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const std::size_t comma = rest.rfind(',');
    const std::string_view entry =
        trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;  // "a, , b": nothing written there
    const auto address = entry_address(entry);
    if (!address) break;  // not an address: the last one vouched for stands
    client = http::to_string(*address);
    if (!ranges_->contain(*address)) break;  // the first hop no trusted proxy is: the client
  }
  return client;
}

}  // namespace polyvox
