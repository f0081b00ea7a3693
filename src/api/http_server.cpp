#include "api/http_server.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "api/api_error.h"
#include "api/request_conversion.h"
#include "core/waiting.h"
#include "log/log.h"

namespace polyvox {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kNoThrow = asio::experimental::as_tuple(use_awaitable);

namespace {

// False for the statuses that never carry a body (1xx, 204, 304).
bool has_body(int status) { return status >= 200 && status != 204 && status != 304; }

// How a response's body is delimited.
enum class Framing {
  kLength,      // Content-Length (also for HEAD, and 0 for the statuses without a body)
  kChunked,     // Transfer-Encoding: chunked (a live body, HTTP/1.1)
  kUntilClose,  // neither: the body ends when the connection closes (a live body, HTTP/1.0)
};

// The status line and headers of `response`, written by hand: for the small bodies of most
// routes, Beast's serializer would cost more than the route. No length for 1xx, 204 and 304;
// no Connection for 1xx; otherwise Connection as Beast's keep_alive() would set it for
// `version` (10 or 11).
std::string head_of(const HttpResponse& response, unsigned version, bool keep_alive,
                    Framing framing, uint64_t length) {
  const auto status = static_cast<http::status>(response.status);
  std::string head;
  head.reserve(256);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += http::obsolete_reason(status);
  head += "\r\nServer: polyvox\r\n";
  for (const auto& [name, value] : response.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (has_body(response.status)) {
    if (framing == Framing::kLength) {
      head += "Content-Length: ";
      head += std::to_string(length);
      head += "\r\n";
    } else if (framing == Framing::kChunked) {
      head += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (response.status >= 200) {
    if (version == 10 && keep_alive) head += "Connection: keep-alive\r\n";
    if (version != 10 && !keep_alive) head += "Connection: close\r\n";
  }
  head += "\r\n";
  return head;
}

// The chunk-size line of a chunk of `size` bytes ("1a2b\r\n").
std::string chunk_head(std::size_t size) {
  char text[24];
  const int n = std::snprintf(text, sizeof text, "%zx\r\n", size);
  return std::string(text, static_cast<std::size_t>(n));
}

// The parts of Beast's message that request_conversion.h converts.
RequestParts parts_of(const http::request<http::string_body>& in) {
  RequestParts parts;
  parts.method = in.method_string();
  parts.target = in.target();
  parts.fields.reserve(8);
  for (const auto& field : in) parts.fields.emplace_back(field.name_string(), field.value());
  parts.body = in.body();
  return parts;
}

// Where a live body's pieces arrive: delivered from any thread, posted to the connection's
// loop, which waits on `wake` (cancelled by a delivery, by stop(), or expiring for a heartbeat).
struct LiveMailbox {
  explicit LiveMailbox(const asio::any_io_executor& executor) : wake(executor) {}
  asio::steady_timer wake;
  std::optional<LiveBody::Piece> piece;
};

// Where a pending response's maker arrives, the same way.
struct PendingMailbox {
  explicit PendingMailbox(const asio::any_io_executor& executor) : wake(executor) {}
  asio::steady_timer wake;
  std::optional<PendingResponse::Make> make;
};

// Set when the client of a connection waiting with nothing to write goes away.
struct ClientWatch {
  bool gone = false;
};

// Watches `socket` for its client going away while the server has nothing to write to it: the
// socket turns readable at the EOF or reset, and a peek tells that from data (a pipelined
// request, left unread for the session; the watch ends there). Sets `watch->gone` and cancels
// `wake` then. Ended by cancelling the socket's operations.
void watch_client(tcp::socket& socket, std::shared_ptr<ClientWatch> watch,
                  std::function<void()> wake) {
  socket.async_wait(tcp::socket::wait_read,
                    [watch = std::move(watch), wake = std::move(wake),
                     fd = socket.native_handle()](boost::system::error_code ec) {
                      if (ec == asio::error::operation_aborted) return;
                      char byte = 0;
                      const ssize_t n = ec ? -1 : ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                      if (n > 0 || (n < 0 && !ec && (errno == EAGAIN || errno == EINTR))) return;
                      watch->gone = true;
                      wake();
                    });
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, MiddlewareChain middleware)
      : options_(std::move(options)),
        middleware_(std::move(middleware)),
        blocking_pool_(options_.blocking_threads) {}

  ~Impl() { stop(); }

  Status start() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return invalid_input("HOST", "'" + options_.host + "' is not an IP address");
    for (unsigned i = 0; i < std::max(1u, options_.io_threads); ++i) {
      loops_.push_back(std::make_unique<Loop>());
      // Asio makes a loop's reactor (an epoll descriptor, an eventfd, a timerfd) when the loop's
      // first socket or timer is made: made now, so that the first connection handed to a loop
      // while descriptors run out (EMFILE) does not have to make it, and fail.
      asio::steady_timer make_reactor(loops_.back()->context);
    }
    // One listening socket, on the first loop; the connections it accepts are handed to the
    // loops in turn. No SO_REUSEPORT: a second server on the same port fails here instead of
    // sharing its connections.
    Loop& first = *loops_.front();
    first.acceptor.emplace(first.context);
    tcp::acceptor& acceptor = *first.acceptor;
    const tcp::endpoint endpoint(address, options_.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      loops_.clear();
      return Error{ErrorKind::kUnavailable,
                   "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + ec.message(),
                   ""};
    }
    port_ = acceptor.local_endpoint().port();
    asio::co_spawn(first.context, accept_loop(), asio::detached);
    for (auto& loop : loops_) {
      loop->work.emplace(loop->context.get_executor());  // runs until stop(), even when idle
      // A handler that throws out of the loop is logged and the loop goes on.
      loop->thread = std::thread([&context = loop->context] {
        while (!log::catching("HTTP loop", [&context] { context.run(); })) {
        }
      });
    }
    return Status::success();
  }

  uint16_t port() const { return port_; }

  void stop() {
    std::call_once(stop_once_, [this] {
      stopping_ = true;
      // Stop accepting; close idle connections; wake live bodies (those that end at shutdown
      // say farewell and end, the others go on for the drain).
      for_each_loop([](Loop& l) {
        boost::system::error_code ignored;
        if (l.acceptor) l.acceptor->close(ignored);
        l.work.reset();
        for (Connection* c : l.connections) {
          if (c->idle) c->stream.socket().close(ignored);
          if (c->live_wake) c->live_wake->cancel();
        }
      });
      {
        std::unique_lock lock(drain_mutex_);
        drained_.wait_for(lock, options_.drain_timeout, [this] { return connections_ == 0; });
      }
      // What is still open after the drain is closed: its session ends at its next step.
      for_each_loop([](Loop& l) {
        boost::system::error_code ignored;
        for (Connection* c : l.connections) {
          c->stream.socket().close(ignored);
          if (c->live_wake) c->live_wake->cancel();
        }
      });
      for (auto& loop : loops_) {
        if (loop->thread.joinable()) loop->thread.join();
      }
      blocking_pool_.join();
    });
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = true;  // waiting for a request (closed at once by stop())
    // Writing a live body or waiting for a pending response: woken by stop().
    asio::steady_timer* live_wake = nullptr;
  };

  // While a connection waits with nothing to write (a live body between pieces, a pending
  // response): stop() wakes `wake`; at the end the client watch is cancelled (the only other
  // operation that can be pending on the socket then).
  struct WakeRegistration {
    WakeRegistration(Connection& c, asio::steady_timer& wake) : connection(c) {
      connection.live_wake = &wake;
    }
    ~WakeRegistration() {
      connection.live_wake = nullptr;
      boost::system::error_code ignored;
      connection.stream.socket().cancel(ignored);
    }
    WakeRegistration(const WakeRegistration&) = delete;
    WakeRegistration& operator=(const WakeRegistration&) = delete;
    Connection& connection;
  };

  struct Loop {
    asio::io_context context{1};
    std::optional<tcp::acceptor> acceptor;  // the first loop's only
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::list<Connection*> connections;  // touched only on this loop's thread
  };

  // Runs `action` on every loop's own thread.
  template <typename Action>
  void for_each_loop(Action action) {
    for (auto& loop : loops_) asio::post(loop->context, [&l = *loop, action] { action(l); });
  }

  awaitable<void> accept_loop() {
    Loop& first = *loops_.front();
    std::size_t next = 0;
    while (!stopping_) {
      auto [ec, socket] = co_await first.acceptor->async_accept(kNoThrow);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        // E.g. EMFILE: keep serving the connections we have. The refused connection stays
        // queued, so accepting again at once would spin this loop; wait a little first.
        if (!accept_failing_) {
          log::warn("accepting a connection failed; retrying every 100 ms",
                    {{"error", ec.message()}});
        }
        accept_failing_ = true;
        asio::steady_timer pause(first.context, std::chrono::milliseconds(100));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (accept_failing_) log::info("accepting connections again");
      accept_failing_ = false;
      std::string remote;
      {
        boost::system::error_code ignored;
        const auto peer = socket.remote_endpoint(ignored);
        if (!ignored) remote = peer.address().to_string();
      }
      if (!admit(remote)) {
        asio::co_spawn(first.context, refuse(std::move(socket)), asio::detached);
        continue;
      }
      // The connection lives on one loop from now on; its slot is released by its session.
      Loop& loop = *loops_[next++ % loops_.size()];
      const auto protocol = socket.local_endpoint(ec).protocol();
      const int fd = socket.release(ec);
      if (ec) {
        release(remote);
        continue;
      }
      asio::post(loop.context, [this, &loop, fd, protocol, remote = std::move(remote)]() mutable {
        std::optional<tcp::socket> adopted;
        boost::system::error_code assign_error;
        try {
          adopted.emplace(loop.context);
          adopted->assign(protocol, fd, assign_error);
        } catch (const std::exception& e) {  // e.g. out of descriptors: this connection only
          assign_error = asio::error::no_descriptors;
          log::warn("a connection could not be taken on", {{"error", e.what()}});
        }
        if (assign_error) {
          if (!adopted || !adopted->is_open()) ::close(fd);
          release(remote);
          return;
        }
        asio::co_spawn(loop.context, session(loop, std::move(*adopted), std::move(remote)),
                       [](std::exception_ptr error) {
                         if (error) log::error("HTTP session ended by an exception");
                       });
      });
    }
  }

  // Takes a connection slot (MAX_CONNECTIONS, and MAX_CONNECTIONS_PER_CLIENT when set) for a
  // client at `remote`; false when over a cap. Each true is matched by one release().
  bool admit(const std::string& remote) {
    if (connections_.fetch_add(1) >= options_.max_connections) {
      connections_.fetch_sub(1);
      return false;
    }
    if (options_.max_connections_per_client > 0) {
      std::lock_guard lock(clients_mutex_);
      std::size_t& count = clients_[remote];
      if (count >= options_.max_connections_per_client) {
        if (count == 0) clients_.erase(remote);
        connections_.fetch_sub(1);
        return false;
      }
      ++count;
    }
    return true;
  }

  void release(const std::string& remote) {
    if (options_.max_connections_per_client > 0) {
      std::lock_guard lock(clients_mutex_);
      auto it = clients_.find(remote);
      if (it != clients_.end() && --it->second == 0) clients_.erase(it);
    }
    if (connections_.fetch_sub(1) == 1 && stopping_) {
      std::lock_guard lock(drain_mutex_);
      drained_.notify_all();
    }
  }

  // A session's place in its loop's list and its connection slot, given back whatever ends the
  // session: a closed connection, a timeout, an error or an exception.
  class SessionSlot {
   public:
    SessionSlot(Impl& server, Loop& loop, Connection& connection, std::string remote)
        : server_(server), loop_(loop), remote_(std::move(remote)) {
      loop_.connections.push_front(&connection);
      registration_ = loop_.connections.begin();
    }
    ~SessionSlot() {
      loop_.connections.erase(registration_);
      server_.release(remote_);
    }
    SessionSlot(const SessionSlot&) = delete;
    SessionSlot& operator=(const SessionSlot&) = delete;

   private:
    Impl& server_;
    Loop& loop_;
    std::string remote_;
    std::list<Connection*>::iterator registration_;
  };

  // Over the connection cap: a short 503 and close, without reading the request.
  awaitable<void> refuse(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(2));
    HttpResponse response = error_response(503, "UNAVAILABLE", "too many connections");
    response.set_header("Retry-After", "1");
    co_await write_response(stream, response, Writing{11, false, false, false});
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  awaitable<void> session(Loop& loop, tcp::socket socket, std::string remote) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    Connection connection(std::move(socket));
    const SessionSlot slot(*this, loop, connection, remote);
    try {
      co_await serve_requests(connection, remote);
    } catch (const std::exception& e) {
      log::error("HTTP session failed", {{"error", e.what()}});
    }
    connection.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // The requests of one connection, one after the other, until it closes, times out or a
  // response cannot be written.
  awaitable<void> serve_requests(Connection& connection, const std::string& remote) {
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopping_) {
      connection.idle = true;
      if (buffer.size() == 0) {
        // Waiting for the next request's first byte: the idle timeout (the header timeout for
        // a new connection). The whole head must then arrive within the header timeout.
        connection.stream.expires_after(first ? options_.header_timeout : options_.idle_timeout);
        auto [ec, n] = co_await connection.stream.async_read_some(buffer.prepare(4096), kNoThrow);
        if (ec) break;
        buffer.commit(n);
      }
      first = false;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      connection.stream.expires_after(options_.header_timeout);
      auto [ec, bytes] =
          co_await http::async_read_header(connection.stream, buffer, parser, kNoThrow);
      if (ec) {
        if (ec == http::error::header_limit) {
          co_await write_simple(connection.stream, headers_too_large_response());
        } else if (ec == http::error::body_limit) {  // a declared Content-Length over the limit
          co_await write_simple(connection.stream,
                                body_too_large(parser.content_length().value_or(0), true));
        } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                   ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                   ec != asio::error::eof && ec != asio::error::bad_descriptor) {
          co_await write_simple(connection.stream, malformed_request_response());
        }
        break;
      }
      connection.idle = false;
      Exchange exchange;
      exchange.started = std::chrono::steady_clock::now();
      // A client waiting for "100 Continue" (curl does for bodies over 1 KiB) gets it now,
      // unless the declared body is already too large.
      const auto& head = parser.get();
      if (declared_body_too_large(parser.content_length().value_or(0), options_.max_body_bytes)) {
        co_await write_simple(connection.stream, body_too_large(*parser.content_length(), true));
        break;
      }
      if (beast::iequals(head[http::field::expect], "100-continue")) {
        HttpResponse go_on;
        go_on.status = 100;
        if (!co_await write_response(connection.stream, go_on,
                                     Writing{head.version(), true, false, false})) {
          break;
        }
      }
      if (!parser.is_done()) {
        connection.stream.expires_after(options_.body_timeout);
        auto [bec, bn] = co_await http::async_read(connection.stream, buffer, parser, kNoThrow);
        if (bec) {
          if (bec == http::error::body_limit) {
            // A chunked body: stopped as soon as it passed the limit.
            co_await write_simple(connection.stream,
                                  body_too_large(options_.max_body_bytes, false));
          }
          break;
        }
      }
      const auto& message = parser.get();
      const bool keep_alive = message.keep_alive() && !stopping_;
      const unsigned version = message.version();

      exchange.request.remote_address = remote;
      try {
        co_await answer(message, exchange);
      } catch (const std::exception& e) {
        // Whatever went wrong, the client gets an answer; the details stay in the log.
        log::error("request failed",
                   {{"request_id", exchange.request.request_id}, {"error", e.what()}});
        exchange.response = error_response(500, "INTERNAL", "internal error");
      }
      if (exchange.response.pending && !co_await resolve_pending(connection, exchange)) {
        exchange.total_seconds = seconds_since(exchange.started);
        middleware_.after(exchange);  // the client went away while its answer was awaited
        break;
      }
      middleware_.respond(exchange);
      // A live body in HTTP/1.0 ends with the connection.
      const Writing how{version, keep_alive && !(exchange.live() && version == 10),
                        exchange.request.method == "HEAD",
                        exchange.route && exchange.route->execution != Execution::kInline};
      const bool written = co_await write_response(connection, exchange, how);
      exchange.total_seconds = seconds_since(exchange.started);
      middleware_.after(exchange);
      // Stopping: a connection kept alive for a pending or live answer is not kept for more.
      if (!written || !how.keep_alive || stopping_) break;
    }
  }

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  HttpResponse body_too_large(uint64_t received_bytes, bool exact) const {
    return body_too_large_response(options_.max_body_bytes, options_.max_body_source,
                                   received_bytes, exact);
  }

  // Converts `message` into the exchange's request, passes it through the middleware and runs
  // the route they chose, unless one of them answered.
  awaitable<void> answer(const http::request<http::string_body>& message, Exchange& exchange) {
    exchange.well_formed = convert_request(parts_of(message), exchange.request);
    middleware_.before(exchange);
    if (exchange.answered) co_return;
    if (!exchange.route) {  // a chain without routing: nothing can answer
      exchange.response = error_response(500, "INTERNAL", "internal error");
      co_return;
    }
    exchange.response = co_await run(*exchange.route, exchange.request);
  }

  awaitable<HttpResponse> run(const Route& route, HttpRequest& request) {
    auto guarded = [&route, &request]() -> HttpResponse {
      try {
        return route.handler(request);
      } catch (const std::exception& e) {
        log::error(
            "handler failed",
            {{"request_id", request.request_id}, {"route", route.pattern}, {"error", e.what()}});
        return error_response(500, "INTERNAL", "internal error");
      }
    };
    if (route.execution == Execution::kInline) co_return guarded();
    if (route.execution == Execution::kMemoryFirst) {
      std::optional<HttpResponse> answered;
      {
        NoWaitScope scope;
        HttpResponse response = guarded();
        if (!scope.refused()) answered = std::move(response);
      }
      if (answered) co_return std::move(*answered);
    }
    co_return co_await on_blocking_pool(guarded);
  }

  // Runs `work` on the blocking pool and resumes the calling coroutine on its own I/O loop with
  // the result: two posts, no coroutine frame of its own.
  template <typename Work>
  awaitable<std::invoke_result_t<Work&>> on_blocking_pool(Work& work) {
    using Answer = std::invoke_result_t<Work&>;
    return asio::async_initiate<decltype(use_awaitable), void(Answer)>(
        [this, &work](auto handler) {
          asio::post(blocking_pool_, [&work, handler = std::move(handler)]() mutable {
            Answer answer = work();
            auto executor = asio::get_associated_executor(handler);
            asio::post(executor,
                       [handler = std::move(handler), answer = std::move(answer)]() mutable {
                         std::move(handler)(std::move(answer));
                       });
          });
        },
        use_awaitable);
  }

  // How a response is written.
  struct Writing {
    unsigned version = 11;         // 10 or 11
    bool keep_alive = false;       // the connection stays open after it
    bool head_only = false;        // HEAD: the head, no body
    bool blocking_source = false;  // a BodyStream may wait: read it on the blocking pool
  };

  awaitable<void> write_simple(beast::tcp_stream& stream, HttpResponse response) {
    co_await write_response(stream, response, Writing{11, false, false, false});
  }

  // Writes a response without a live body; false when the connection failed.
  awaitable<bool> write_response(beast::tcp_stream& stream, HttpResponse& response, Writing how) {
    uint64_t written = 0;
    co_return co_await write_fixed(stream, response, how, written);
  }

  // Writes the exchange's response, its head first, then its body in the one way its kind
  // needs; fills the exchange's timings and byte count. False when the connection failed.
  awaitable<bool> write_response(Connection& connection, Exchange& exchange, Writing how) {
    HttpResponse& response = exchange.response;
    if (!response.live) {
      const bool ok = co_await write_fixed(connection.stream, response, how, exchange.body_bytes);
      exchange.head_seconds = seconds_since(exchange.started);
      exchange.completed = ok;
      co_return ok;
    }
    // A live body: whatever happens, its producer hears close() once.
    struct Closer {
      LiveBody& body;
      ~Closer() { body.close(); }
    } closer{*response.live};
    const bool chunked = how.version != 10;
    const std::string head = head_of(response, how.version, how.keep_alive,
                                     chunked ? Framing::kChunked : Framing::kUntilClose, 0);
    connection.stream.expires_after(options_.write_timeout);
    auto [ec, n] = co_await asio::async_write(connection.stream, asio::buffer(head), kNoThrow);
    exchange.head_seconds = seconds_since(exchange.started);
    if (ec) co_return false;
    if (how.head_only || !has_body(response.status)) {
      exchange.completed = true;
      co_return true;
    }
    const bool ended =
        co_await write_live(connection, *response.live, chunked, exchange.body_bytes);
    exchange.completed = ended;
    co_return ended;
  }

  // Waits for the response that exchange.response.pending promises, on this loop (no thread is
  // held), then makes it on the blocking pool: exchange.response becomes that response, or the
  // pending one's abandoned() answer when the server stops or the deadline passes first. False
  // when the client went away meanwhile (the pending response is cancelled; nothing to write).
  awaitable<bool> resolve_pending(Connection& connection, Exchange& exchange) {
    const std::shared_ptr<PendingResponse> pending = std::move(exchange.response.pending);
    exchange.response = HttpResponse();
    const auto executor = co_await asio::this_coro::executor;
    auto mailbox = std::make_shared<PendingMailbox>(executor);
    auto watch = std::make_shared<ClientWatch>();
    std::optional<PendingResponse::Abandon> abandoned;
    {
      const WakeRegistration registration(connection, mailbox->wake);
      watch_client(connection.stream.socket(), watch, [mailbox] { mailbox->wake.cancel(); });
      pending->wait([mailbox, executor](PendingResponse::Make make) {
        asio::post(executor, [mailbox, make = std::move(make)]() mutable {
          mailbox->make = std::move(make);
          mailbox->wake.cancel();
        });
      });
      while (!mailbox->make) {
        if (watch->gone || !connection.stream.socket().is_open()) {
          pending->cancel();
          co_return false;
        }
        if (stopping_ || std::chrono::steady_clock::now() >= pending->deadline()) {
          abandoned =
              stopping_ ? PendingResponse::Abandon::kStopping : PendingResponse::Abandon::kExpired;
          break;
        }
        mailbox->wake.expires_at(std::min(
            pending->deadline(), std::chrono::steady_clock::now() + std::chrono::hours(1)));
        (void)co_await mailbox->wake.async_wait(kNoThrow);
      }
    }
    if (abandoned) {
      pending->cancel();
      exchange.response = pending->abandoned(*abandoned);
      co_return true;
    }
    pending->cancel();  // ready: what the wait holds (a subscription) is released now
    PendingResponse::Make make = std::move(*mailbox->make);
    const std::string request_id = exchange.request.request_id;
    auto guarded = [&make, &request_id]() -> HttpResponse {
      try {
        return make();
      } catch (const std::exception& e) {
        log::error("pending response failed", {{"request_id", request_id}, {"error", e.what()}});
        return error_response(500, "INTERNAL", "internal error");
      }
    };
    exchange.response = co_await on_blocking_pool(guarded);
    co_return true;
  }

  // A body that is whole (`body`) or streamed with a known length (`stream`).
  awaitable<bool> write_fixed(beast::tcp_stream& stream, HttpResponse& response, Writing how,
                              uint64_t& written) {
    stream.expires_after(options_.write_timeout);
    const bool body = !how.head_only && has_body(response.status);
    if (!response.stream) {
      // Head and body in one gathered write; see head_of().
      const std::string head =
          head_of(response, how.version, how.keep_alive, Framing::kLength, response.body.size());
      const std::array<asio::const_buffer, 2> buffers{
          asio::buffer(head), body ? asio::buffer(response.body) : asio::const_buffer()};
      auto [ec, n] = co_await asio::async_write(stream, buffers, kNoThrow);
      if (!ec && body) written = response.body.size();
      co_return !ec;
    }
    // Streamed body: the head, then chunks read from the source.
    const std::string head =
        head_of(response, how.version, how.keep_alive, Framing::kLength, response.stream_length);
    auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), kNoThrow);
    if (hec) co_return false;
    if (!body) co_return true;
    std::vector<char> chunk(64 * 1024);
    uint64_t left = response.stream_length;
    while (left > 0) {
      const auto want = static_cast<std::size_t>(std::min<uint64_t>(left, chunk.size()));
      auto read = [&response, &chunk, want]() -> Result<std::size_t> {
        return response.stream(chunk.data(), want);
      };
      Result<std::size_t> got = how.blocking_source ? co_await on_blocking_pool(read) : read();
      if (!got || *got == 0) co_return false;  // cannot finish: drop the connection
      left -= *got;
      stream.expires_after(options_.write_timeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(chunk.data(), *got), kNoThrow);
      if (ec) co_return false;
      written += *got;
    }
    co_return true;
  }

  // The pieces of a live body as its producer delivers them, each written as it comes (a chunk
  // each when `chunked`), with heartbeats while it is quiet; at shutdown a body that ends then
  // gets its farewell. True when the body ended and was written whole.
  awaitable<bool> write_live(Connection& connection, LiveBody& body, bool chunked,
                             uint64_t& written) {
    const auto executor = co_await asio::this_coro::executor;
    auto mailbox = std::make_shared<LiveMailbox>(executor);
    auto ask = [&body, mailbox, executor] {
      body.next([mailbox, executor](LiveBody::Piece piece) {
        asio::post(executor, [mailbox, piece = std::move(piece)]() mutable {
          mailbox->piece = std::move(piece);
          mailbox->wake.cancel();
        });
      });
    };
    auto send = [&](std::string_view bytes, bool last) -> awaitable<bool> {
      std::string framed;
      if (chunked) {
        if (!bytes.empty()) {
          framed = chunk_head(bytes.size());
          framed += bytes;
          framed += "\r\n";
        }
        if (last) framed += "0\r\n\r\n";
      } else {
        framed = bytes;
      }
      if (framed.empty()) co_return true;
      connection.stream.expires_after(options_.write_timeout);
      auto [ec, n] = co_await asio::async_write(connection.stream, asio::buffer(framed), kNoThrow);
      if (!ec) written += bytes.size();
      co_return !ec;
    };
    // A client that goes away is noticed while the body is quiet, heartbeats or not. Cancelled
    // when the body ends.
    auto watch = std::make_shared<ClientWatch>();
    watch_client(connection.stream.socket(), watch, [mailbox] { mailbox->wake.cancel(); });
    const WakeRegistration registration(connection, mailbox->wake);
    const auto heartbeat = body.heartbeat_interval();
    ask();
    for (;;) {
      if (watch->gone) co_return false;  // the client went away
      if (!mailbox->piece) {
        if (stopping_ && body.ends_at_shutdown()) {
          co_return co_await send(body.farewell(), true);
        }
        mailbox->wake.expires_after(heartbeat.count() > 0 ? heartbeat
                                                          : std::chrono::milliseconds(3'600'000));
        auto [ec] = co_await mailbox->wake.async_wait(kNoThrow);
        if (!connection.stream.socket().is_open()) co_return false;  // closed after the drain
        if (mailbox->piece || stopping_) continue;
        if (!ec && heartbeat.count() > 0 && !co_await send(body.heartbeat(), false)) {
          co_return false;
        }
        continue;
      }
      LiveBody::Piece piece = std::move(*mailbox->piece);
      mailbox->piece.reset();
      if (!piece.end) ask();  // the producer works on the next piece while this one is written
      if (!co_await send(piece.bytes, piece.end)) co_return false;
      if (piece.end) co_return true;
    }
  }

  HttpServerOptions options_;
  MiddlewareChain middleware_;
  asio::thread_pool blocking_pool_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<bool> stopping_{false};
  bool accept_failing_ = false;  // the last accept failed (EMFILE...); only accept_loop uses it
  std::atomic<std::size_t> connections_{0};
  std::mutex clients_mutex_;                              // guards clients_
  std::unordered_map<std::string, std::size_t> clients_;  // open connections by client address
  std::mutex drain_mutex_;                                // with drained_: stop() waits
  std::condition_variable drained_;                       // connections_ fell to 0 while stopping
  std::once_flag stop_once_;
  uint16_t port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options, MiddlewareChain middleware)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(middleware))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() { return impl_->start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::stop() { impl_->stop(); }

}  // namespace polyvox
