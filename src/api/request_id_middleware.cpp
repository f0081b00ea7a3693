#include "api/request_id_middleware.h"

#include "api/request_conversion.h"

namespace polyvox {

void RequestIdMiddleware::before(Exchange& exchange) {
  exchange.request.request_id = request_id_for(exchange.request);
}

void RequestIdMiddleware::respond(Exchange& exchange) {
  exchange.response.set_header("X-Request-ID", exchange.request.request_id);
}

}  // namespace polyvox
