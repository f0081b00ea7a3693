// The address of the client behind reverse proxies. A request that comes through a proxy (nginx,
// a load balancer) has the proxy as its TCP peer; what the login throttle and the access log
// need is the client's address, which the proxy appends to X-Forwarded-For. That header is
// written by whoever sends the request, so it is believed only as far as the proxies named in
// TRUSTED_PROXIES vouch for it: read from the right (the nearest hop first), every entry a
// trusted proxy wrote is the address of the hop before it; the first address that is not itself
// a trusted proxy is the client. Without TRUSTED_PROXIES the header is ignored.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

class TrustedProxies {
 public:
  // None: every request's client is its TCP peer.
  TrustedProxies() = default;

  // From a comma-separated list of addresses ("127.0.0.1", "::1") and CIDR ranges
  // ("10.0.0.0/8"); spaces around entries and empty entries are ignored. kInvalidInput naming
  // `field` and the entry for anything else (a host name among them: a proxy is known by its
  // address). Thread-safe.
  static Result<TrustedProxies> parse(std::string_view list, std::string_view field);

  bool empty() const { return !ranges_; }
  // True when `address` (an address's text, as a socket peer or a header entry gives it) is a
  // trusted proxy's.
  bool trusts(std::string_view address) const;

  // The client behind `peer` (the TCP peer's address text): `peer` itself unless it is a
  // trusted proxy; then the entries of `forwarded_for` (X-Forwarded-For: every such header's
  // value, joined by commas in the order received), right to left, up to the first one that is
  // not a trusted proxy (a port some proxies append is dropped: "192.0.2.1:4711",
  // "[2001:db8::1]:4711"). An entry that is not an address (a name, "unknown", garbage) ends the
  // walk there: the address read before it stands, the last one a trusted
  // proxy vouched for. Every entry trusted: the leftmost. The result is always the canonical
  // text of an address a trusted hop reported, or `peer`. Thread-safe.
  std::string client_of(std::string_view peer, std::string_view forwarded_for) const;

 private:
  // The ranges (http/address_guard.h, kept out of this header: it is included where
  // polyvox::http names Beast's namespace); null when none. Shared by copies: never changed.
  struct Ranges;
  std::shared_ptr<const Ranges> ranges_;
};

}  // namespace polyvox
