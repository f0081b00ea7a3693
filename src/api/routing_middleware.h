// Chooses the route of a request, or answers when there is none: 400 for a target that is not a
// path, 405 (with Allow) when the path is known under other methods, 404 otherwise. The
// messages name what was asked for, made printable (request_conversion.h).
#pragma once

#include "api/middleware.h"

namespace polyvox {

class RoutingMiddleware : public Middleware {
 public:
  explicit RoutingMiddleware(const Router& router) : router_(router) {}
  void before(Exchange& exchange) override;

 private:
  const Router& router_;
};

}  // namespace polyvox
