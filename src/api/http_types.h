// HTTP requests and responses as handlers see them: plain data, no Boost in sight (the server
// converts to and from Beast in http_server.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace polyvox {

// A streamed response body: read up to `size` bytes; 0 at the end.
using BodyStream = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;

// A response body produced while the response is open: server-sent events, audio while it
// renders. The server pulls it: it asks for the next piece and waits for it without holding a
// thread (1,000 open bodies cost memory, not threads), writes it, then asks again. It is written
// with chunked transfer encoding (HTTP/1.1) or until the connection closes (HTTP/1.0).
//
// Calls from the server, in this order: next() (at most one outstanding), heartbeat() and
// farewell() (between, on the server's thread), close() exactly once, last, whatever ends the
// body (the end piece, a write error, the client gone, the server stopping).
class LiveBody {
 public:
  struct Piece {
    std::string bytes;  // may be empty
    bool end = false;   // the body is complete after `bytes`
  };
  using Deliver = std::function<void(Piece)>;

  virtual ~LiveBody() = default;

  // Asks for the next piece. The producer calls `deliver` exactly once, from any thread, when it
  // has one (possibly before next() returns), unless close() comes first. After close() has
  // returned, `deliver` is never called. Must not wait.
  virtual void next(Deliver deliver) = 0;

  // How long without a piece before heartbeat() is sent; zero: never.
  virtual std::chrono::milliseconds heartbeat_interval() const { return {}; }

  // Bytes that keep an idle connection alive (SSE: a comment line). Must not wait.
  virtual std::string heartbeat() { return {}; }

  // The server is shutting down: true when the body ends now, after farewell()'s bytes (SSE,
  // whose clients reconnect elsewhere); false when it may run on until the drain deadline
  // (audio, which a client cannot resume).
  virtual bool ends_at_shutdown() const { return true; }

  // The last bytes sent when the body ends at shutdown (SSE: a retry hint). Must not wait.
  virtual std::string farewell() { return {}; }

  // The body is over: release what feeds it. Must not wait.
  virtual void close() {}
};

struct HttpResponse;

// A response not known yet when its handler returns: one that waits for something slow (a job
// to finish) without holding a thread meanwhile (long waits cost memory, not threads). The
// server waits on its I/O loop, watching the client, its own stop and the deadline:
//   - wait() once; the producer calls `ready` when the response can be made, with the function
//     that makes it, which the server runs on its blocking pool (it may read stores);
//   - the client goes away first: cancel(), and no response;
//   - the server stops, or deadline() passes, first: cancel(), then abandoned() is the answer;
//   - once ready: cancel() too (what the wait holds is released), then the maker runs.
class PendingResponse {
 public:
  using Make = std::function<HttpResponse()>;
  enum class Abandon { kStopping, kExpired };

  virtual ~PendingResponse() = default;

  // The producer calls `ready` exactly once, from any thread (possibly before wait() returns),
  // unless cancel() comes first; after cancel() has returned, `ready` is never called. Must not
  // wait.
  virtual void wait(std::function<void(Make)> ready) = 0;

  // When the server stops waiting: then cancel() and abandoned(kExpired).
  virtual std::chrono::steady_clock::time_point deadline() const = 0;

  // Stop: release what the wait holds (subscriptions). Must not wait, but for a delivery of
  // `ready` in progress.
  virtual void cancel() = 0;

  // The answer when the server stopped waiting first (after cancel()). Must not wait.
  virtual HttpResponse abandoned(Abandon why) = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;
  std::string request_id;  // X-Request-ID (validated) or generated
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router

  // The first header called `name` (lower-case), or "".
  std::string_view header(std::string_view name) const;
  // A path parameter by name ("id"), or "".
  const std::string& param(std::string_view name) const;
  // The first query parameter `name`, percent-decoded; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is streamed from here instead: `stream_length` bytes.
  BodyStream stream;
  uint64_t stream_length = 0;
  // When set, the body is produced while the response is open (see LiveBody); its length is
  // not known up front. Wins over `stream` and `body`.
  std::shared_ptr<LiveBody> live;
  // When set, this response is only a promise: the server waits for the real one (see
  // PendingResponse) and sends that instead. The rest of this response is ignored.
  std::shared_ptr<PendingResponse> pending;

  HttpResponse& set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Decodes %XX escapes (and '+' as space when `form`); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool form = false);

// Parses an application/x-www-form-urlencoded body into pairs; nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);

}  // namespace polyvox
