#include "api/client_address_middleware.h"

namespace polyvox {

void ClientAddressMiddleware::before(Exchange& exchange) {
  HttpRequest& request = exchange.request;
  if (!proxies_.trusts(request.remote_address)) return;  // the header is not read
  // Every X-Forwarded-For header, in order, as one list (RFC 9110 5.3).
  std::string forwarded;
  for (const auto& [name, value] : request.headers) {
    if (name != "x-forwarded-for") continue;
    if (!forwarded.empty()) forwarded += ',';
    forwarded += value;
  }
  request.remote_address = proxies_.client_of(request.remote_address, forwarded);
}

}  // namespace polyvox
