// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, one event loop per I/O thread.
// One listening socket; the connections it accepts are handed to the loops in turn and never
// change thread. Handlers marked blocking (anything that reads a store or the network) run on a
// separate thread pool, so that no I/O thread ever waits. Hostile clients are bounded: a header
// timeout for every request head, body and idle timeouts, header and body size limits, caps on
// connections (in all and per client address). Whatever a request or a handler does, its
// connection gets an answer or a clean close and gives its slot back. Boost stays inside
// http_server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/router.h"
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
  std::size_t max_body_bytes = 1 << 20;              // MAX_BODY_BYTES
  std::chrono::milliseconds header_timeout{10'000};  // a whole request head, from its first byte
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{120'000};  // per chunk written
};

// Called once per answered request (for logs), on the thread that answered it.
using RequestObserver =
    std::function<void(const HttpRequest&, const HttpResponse&, const Route&, double seconds)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router, RequestObserver observer = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. kInvalidInput naming HOST when it is not an
  // address; kUnavailable naming HOST:PORT when it cannot be bound (e.g. already in use).
  Status start();

  // The bound port (useful with port 0). REQUIRES: start() succeeded.
  uint16_t port() const;

  // Stops accepting, closes idle connections, lets requests in progress finish, then returns
  // when every thread has exited. Idempotent; thread-safe.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace polyvox
