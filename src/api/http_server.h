// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, one event loop per I/O thread.
// One listening socket; the connections it accepts are handed to the loops in turn and never
// change thread. Handlers marked blocking (anything that reads a store or the network) run on a
// separate thread pool, so that no I/O thread ever waits. Hostile clients are bounded: a header
// timeout for every request head, body and idle timeouts, header and body size limits, caps on
// connections (in all and per client address). Whatever a request or a handler does, its
// connection gets an answer or a clean close and gives its slot back. Boost stays inside
// http_server.cpp.
//
// The server reads requests, runs routes and writes responses; everything else around a request
// (its id, routing and 404/405, metrics, the access log) is middleware (api/middleware.h).
// Every response is written one way: a head made here, then its body whole, streamed from a
// BodyStream with a known length, or live (LiveBody: chunked, produced while the response is
// open, awaited without holding a thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/middleware.h"
#include "core/error.h"

namespace polyvox {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;  // 0 picks a free port (see HttpServer::port)
  unsigned io_threads = 2;
  unsigned blocking_threads = 32;
  std::size_t max_connections = 2048;
  std::size_t max_connections_per_client = 0;  // MAX_CONNECTIONS_PER_CLIENT; 0 = no cap
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1 << 20;  // MAX_BODY_BYTES
  // Where max_body_bytes comes from, as a 413 names it: the variable, and its default's rule.
  std::string max_body_source = "MAX_BODY_BYTES";
  std::chrono::milliseconds header_timeout{10'000};  // a whole request head, from its first byte
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{120'000};  // per chunk written
  // How long stop() lets responses in progress (audio streams) go on before it closes their
  // connections (SHUTDOWN_DRAIN_SECONDS). Event streams end at once, told to retry elsewhere.
  std::chrono::milliseconds drain_timeout{10'000};
};

class HttpServer {
 public:
  // `middleware` chooses each request's route (MiddlewareChain::standard).
  HttpServer(HttpServerOptions options, MiddlewareChain middleware);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. kInvalidInput naming HOST when it is not an
  // address; kUnavailable naming HOST:PORT when it cannot be bound (e.g. already in use).
  Status start();

  // The bound port (useful with port 0). REQUIRES: start() succeeded.
  uint16_t port() const;

  // Stops accepting, closes idle connections, ends live bodies that end at shutdown (after their
  // farewell), lets requests in progress finish and other live bodies run for up to
  // drain_timeout, then closes what is left and returns when every thread has exited.
  // Idempotent; thread-safe.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace polyvox
