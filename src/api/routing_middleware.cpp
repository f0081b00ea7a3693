#include "api/routing_middleware.h"

#include "api/api_error.h"
#include "api/request_conversion.h"

namespace polyvox {

void RoutingMiddleware::before(Exchange& exchange) {
  exchange.route = &router_.unmatched();
  exchange.answered = true;
  if (!exchange.well_formed) {
    exchange.response = error_response(400, "VALIDATION_ERROR", "malformed request target");
    return;
  }
  RouteMatch match = router_.match(exchange.request);
  if (match.route) {
    exchange.route = match.route;
    exchange.answered = false;
    return;
  }
  HttpRequest& request = exchange.request;
  if (match.path_known) {
    exchange.response = error_response(
        405, "METHOD_NOT_ALLOWED", "method " + printable(request.method) + " is not allowed here");
    std::string allow;
    for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
    exchange.response.set_header("Allow", allow);
  } else {
    exchange.response = error_response(404, "NOT_FOUND", "no route for " + printable(request.path));
  }
}

}  // namespace polyvox
