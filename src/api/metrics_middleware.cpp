#include "api/metrics_middleware.h"

namespace polyvox {

void MetricsMiddleware::after(const Exchange& exchange) {
  if (!exchange.route) return;
  exchange.route->latency->observe(exchange.live() ? exchange.head_seconds
                                                   : exchange.total_seconds);
  exchange.route->requests_by_status(exchange.response.status)->add();
}

}  // namespace polyvox
