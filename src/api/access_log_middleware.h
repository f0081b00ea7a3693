// One access-log line per request (ACCESS_LOG), when its response is over: request id, method,
// route pattern (never the raw path: it may carry ids or hostile bytes), status, milliseconds,
// client address; for a live response also the milliseconds to its head and the bytes sent.
#pragma once

#include "api/middleware.h"

namespace polyvox {

class AccessLogMiddleware : public Middleware {
 public:
  void after(const Exchange& exchange) override;
};

}  // namespace polyvox
