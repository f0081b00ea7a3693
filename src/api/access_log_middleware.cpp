#include "api/access_log_middleware.h"

#include "log/log.h"

namespace polyvox {

void AccessLogMiddleware::after(const Exchange& exchange) {
  const HttpRequest& req = exchange.request;
  const char* route = exchange.route ? exchange.route->pattern.c_str() : "unmatched";
  if (!exchange.live()) {
    log::info("request", {{"request_id", req.request_id},
                          {"method", req.method},
                          {"route", route},
                          {"status", static_cast<long long>(exchange.response.status)},
                          {"ms", exchange.total_seconds * 1000.0},
                          {"remote", req.remote_address}});
    return;
  }
  log::info("request", {{"request_id", req.request_id},
                        {"method", req.method},
                        {"route", route},
                        {"status", static_cast<long long>(exchange.response.status)},
                        {"ms", exchange.total_seconds * 1000.0},
                        {"head_ms", exchange.head_seconds * 1000.0},
                        {"bytes", static_cast<long long>(exchange.body_bytes)},
                        {"completed", exchange.completed},
                        {"remote", req.remote_address}});
}

}  // namespace polyvox
