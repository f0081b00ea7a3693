// What happens around every request besides running its route: the request id, routing (and
// the 400/404/405 answers), metrics and the access log are middleware, one file each beside
// this one, composed into a MiddlewareChain that the HTTP server runs. The server itself only
// reads requests, runs the chosen route where its execution mode says, and writes responses.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "api/client_address.h"
#include "api/http_types.h"
#include "api/router.h"

namespace polyvox {

// One request on its way through the server.
struct Exchange {
  HttpRequest request;
  // False when the request target could not be converted (a bad %-escape, not a path): the
  // request is then only partly filled, and routing answers 400.
  bool well_formed = true;
  HttpResponse response;
  // The route that runs, or that answered for metrics' sake (the router's "unmatched" route for
  // 400, 404 and 405). Set by routing.
  const Route* route = nullptr;
  bool answered = false;                          // a middleware answered: the route does not run
  std::chrono::steady_clock::time_point started;  // the request's head was read
  // Filled by the server for after(): seconds from `started` to the response's head written
  // and to its last byte written (or the connection lost), and the body bytes written.
  double head_seconds = 0;
  double total_seconds = 0;
  uint64_t body_bytes = 0;
  bool completed = false;  // the whole response was written
  bool live() const { return response.live != nullptr; }
};

class Middleware {
 public:
  virtual ~Middleware() = default;

  // Before the route runs, on the I/O thread: may fill `exchange.response` and set `answered`,
  // which ends the chain and skips the route. Must not wait.
  virtual void before(Exchange& exchange) {}

  // After the route ran (or a middleware answered), before the response is written: may add
  // headers. Must not wait.
  virtual void respond(Exchange& exchange) {}

  // After the response was written, or the connection lost. Must not wait.
  virtual void after(const Exchange& exchange) {}
};

// Middleware in order: before() from first to last (until one answers), respond() and after()
// from last to first. Thread-safe when its middleware are (the standard ones are).
class MiddlewareChain {
 public:
  MiddlewareChain() = default;
  explicit MiddlewareChain(std::vector<std::shared_ptr<Middleware>> middleware)
      : middleware_(std::move(middleware)) {}

  // The client's address behind `trusted_proxies` (client_address_middleware.h), request ids,
  // routing over `router`, metrics, and an access-log line per request when `access_log`;
  // `on_request_end`, when given, runs after every request (it must not wait). `router` must
  // outlive the chain.
  static MiddlewareChain standard(const Router& router, bool access_log,
                                  std::function<void()> on_request_end = {},
                                  TrustedProxies trusted_proxies = {});

  void before(Exchange& exchange) const;
  void respond(Exchange& exchange) const;
  void after(const Exchange& exchange) const;

 private:
  std::vector<std::shared_ptr<Middleware>> middleware_;
};

}  // namespace polyvox
