// Per-route request metrics: polyvox_http_requests_total by route and status, and
// polyvox_http_request_duration_seconds by route. A live response (events, audio while it
// renders) counts the time to its head, not how long it stayed open.
#pragma once

#include "api/middleware.h"

namespace polyvox {

class MetricsMiddleware : public Middleware {
 public:
  void after(const Exchange& exchange) override;
};

}  // namespace polyvox
