#include "api/access_log_middleware.h"
#include "api/client_address_middleware.h"
#include "api/metrics_middleware.h"
#include "api/middleware.h"
#include "api/request_end_middleware.h"
#include "api/request_id_middleware.h"
#include "api/routing_middleware.h"

namespace polyvox {

MiddlewareChain MiddlewareChain::standard(const Router& router, bool access_log,
                                          std::function<void()> on_request_end,
                                          TrustedProxies trusted_proxies) {
  std::vector<std::shared_ptr<Middleware>> chain;
  if (!trusted_proxies.empty()) {
    chain.push_back(std::make_shared<ClientAddressMiddleware>(std::move(trusted_proxies)));
  }
  if (on_request_end)
    chain.push_back(std::make_shared<RequestEndMiddleware>(std::move(on_request_end)));
  chain.push_back(std::make_shared<RequestIdMiddleware>());
  if (access_log) chain.push_back(std::make_shared<AccessLogMiddleware>());
  chain.push_back(std::make_shared<MetricsMiddleware>());
  chain.push_back(std::make_shared<RoutingMiddleware>(router));
  return MiddlewareChain(std::move(chain));
}

void MiddlewareChain::before(Exchange& exchange) const {
  for (const auto& m : middleware_) {
    m->before(exchange);
    if (exchange.answered) return;
  }
}

void MiddlewareChain::respond(Exchange& exchange) const {
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) (*it)->respond(exchange);
}

void MiddlewareChain::after(const Exchange& exchange) const {
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) (*it)->after(exchange);
}

}  // namespace polyvox
