// Sets each request's remote_address to its client's (TrustedProxies::client_of): behind a
// trusted reverse proxy, the address X-Forwarded-For names; otherwise the TCP peer, as the
// server set it. First in the chain, so that the access log, the login throttle and every route
// see the client.
#pragma once

#include "api/client_address.h"
#include "api/middleware.h"

namespace polyvox {

class ClientAddressMiddleware : public Middleware {
 public:
  explicit ClientAddressMiddleware(TrustedProxies proxies) : proxies_(std::move(proxies)) {}
  void before(Exchange& exchange) override;

 private:
  const TrustedProxies proxies_;
};

}  // namespace polyvox
