// Every request gets an id: the client's X-Request-ID when it is safe to echo
// (request_conversion.h), else a new one; every response carries it back.
#pragma once

#include "api/middleware.h"

namespace polyvox {

class RequestIdMiddleware : public Middleware {
 public:
  void before(Exchange& exchange) override;
  void respond(Exchange& exchange) override;
};

}  // namespace polyvox
