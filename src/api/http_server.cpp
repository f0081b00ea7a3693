#include "api/http_server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "api/api_error.h"
#include "api/request_conversion.h"
#include "core/ids.h"
#include "core/utf8.h"
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

// The status line and headers of a response whose body is `response.body`, written by hand:
// for the small bodies of most routes, Beast's serializer would cost more than the route.
// Content-Length as the body's size (also for HEAD), none for 1xx, 204 and 304; Connection as
// Beast's keep_alive() would set it for `version` (10 or 11).
std::string head_of(const HttpResponse& response, unsigned version, bool keep_alive) {
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
    head += "Content-Length: ";
    head += std::to_string(response.body.size());
    head += "\r\n";
  }
  if (version == 10 && keep_alive) head += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
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

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, const Router& router, RequestObserver observer)
      : options_(std::move(options)),
        router_(router),
        observer_(std::move(observer)),
        blocking_pool_(options_.blocking_threads) {}

  ~Impl() { stop(); }

  Status start() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return invalid_input("HOST", "'" + options_.host + "' is not an IP address");
    for (unsigned i = 0; i < std::max(1u, options_.io_threads); ++i) {
      loops_.push_back(std::make_unique<Loop>());
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
      for (auto& loop : loops_) {
        asio::post(loop->context, [&l = *loop] {
          boost::system::error_code ignored;
          if (l.acceptor) l.acceptor->close(ignored);
          l.work.reset();
          for (Connection* c : l.connections) {
            if (c->idle) c->stream.socket().close(ignored);
          }
        });
      }
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
  };

  struct Loop {
    asio::io_context context{1};
    std::optional<tcp::acceptor> acceptor;  // the first loop's only
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::list<Connection*> connections;  // touched only on this loop's thread
  };

  awaitable<void> accept_loop() {
    Loop& first = *loops_.front();
    std::size_t next = 0;
    while (!stopping_) {
      auto [ec, socket] = co_await first.acceptor->async_accept(kNoThrow);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
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
        tcp::socket adopted(loop.context);
        boost::system::error_code assign_error;
        adopted.assign(protocol, fd, assign_error);
        if (assign_error) {
          ::close(fd);
          release(remote);
          return;
        }
        asio::co_spawn(loop.context, session(loop, std::move(adopted), std::move(remote)),
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
    connections_.fetch_sub(1);
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
    http::response<http::string_body> res{http::status::service_unavailable, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::retry_after, "1");
    res.set(http::field::connection, "close");
    res.body() = R"({"error":{"code":"UNAVAILABLE","message":"too many connections"}})";
    res.prepare_payload();
    co_await http::async_write(stream, res, kNoThrow);
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
          co_await write_simple(connection.stream, body_too_large());
        } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                   ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                   ec != asio::error::eof && ec != asio::error::bad_descriptor) {
          co_await write_simple(connection.stream, malformed_request_response());
        }
        break;
      }
      connection.idle = false;
      const auto started = std::chrono::steady_clock::now();
      // A client waiting for "100 Continue" (curl does for bodies over 1 KiB) gets it now,
      // unless the declared body is already too large.
      const auto& head = parser.get();
      if (declared_body_too_large(parser.content_length().value_or(0), options_.max_body_bytes)) {
        co_await write_simple(connection.stream, body_too_large());
        break;
      }
      if (beast::iequals(head[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, head.version()};
        connection.stream.expires_after(options_.write_timeout);
        auto [wec, wn] = co_await http::async_write(connection.stream, go_on, kNoThrow);
        if (wec) break;
      }
      if (!parser.is_done()) {
        connection.stream.expires_after(options_.body_timeout);
        auto [bec, bn] = co_await http::async_read(connection.stream, buffer, parser, kNoThrow);
        if (bec) {
          if (bec == http::error::body_limit) {
            co_await write_simple(connection.stream, body_too_large());
          }
          break;
        }
      }
      const auto& message = parser.get();
      const bool keep_alive = message.keep_alive() && !stopping_;
      const unsigned version = message.version();

      HttpRequest request;
      request.remote_address = remote;
      HttpResponse response;
      const Route* route = &router_.unmatched();
      try {
        route = co_await answer(message, request, response);
      } catch (const std::exception& e) {
        // Whatever went wrong, the client gets an answer; the details stay in the log.
        log::error("request failed", {{"request_id", request.request_id}, {"error", e.what()}});
        response = error_response(500, "INTERNAL", "internal error");
      }
      response.set_header("X-Request-ID", request.request_id);
      const bool head_only = request.method == "HEAD";
      const bool written =
          co_await write_response(connection.stream, response, version, keep_alive, head_only,
                                  route->execution != Execution::kInline);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      route->latency->observe(seconds);
      route->requests_by_status(response.status)->add();
      if (observer_) observer_(request, response, *route, seconds);
      if (!written || !keep_alive) break;
    }
  }

  HttpResponse body_too_large() const { return body_too_large_response(options_.max_body_bytes); }

  // Converts, routes and runs `message` into `response`; returns the route that answered (the
  // "unmatched" one for 400, 404 and 405).
  awaitable<const Route*> answer(const http::request<http::string_body>& message,
                                 HttpRequest& request, HttpResponse& response) {
    const bool converted = convert_request(parts_of(message), request);
    request.request_id = request_id_for(request);
    if (!converted) {
      response = error_response(400, "VALIDATION_ERROR", "malformed request target");
      co_return &router_.unmatched();
    }
    RouteMatch match = router_.match(request);
    if (match.route) {
      response = co_await run(*match.route, request);
      co_return match.route;
    }
    if (match.path_known) {
      response = error_response(405, "METHOD_NOT_ALLOWED",
                                "method " + printable(request.method) + " is not allowed here");
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      response.set_header("Allow", allow);
    } else {
      response = error_response(404, "NOT_FOUND", "no route for " + printable(request.path));
    }
    co_return &router_.unmatched();
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
  awaitable<HttpResponse> on_blocking_pool(Work& work) {
    return asio::async_initiate<decltype(use_awaitable), void(HttpResponse)>(
        [this, &work](auto handler) {
          asio::post(blocking_pool_, [&work, handler = std::move(handler)]() mutable {
            HttpResponse response = work();
            auto executor = asio::get_associated_executor(handler);
            asio::post(executor,
                       [handler = std::move(handler), response = std::move(response)]() mutable {
                         std::move(handler)(std::move(response));
                       });
          });
        },
        use_awaitable);
  }

  awaitable<void> write_simple(beast::tcp_stream& stream, HttpResponse response) {
    co_await write_response(stream, response, 11, false, false);
  }

  // Writes `response`; false when the connection failed.
  // `blocking_source`: the streamed body may wait (a blob store over the network), so its
  // chunks are read on the blocking pool, not on this I/O thread.
  awaitable<bool> write_response(beast::tcp_stream& stream, HttpResponse& response,
                                 unsigned version, bool keep_alive, bool head_only,
                                 bool blocking_source = false) {
    stream.expires_after(options_.write_timeout);
    const auto status = static_cast<http::status>(response.status);
    auto fill = [&](auto& res) {
      res.set(http::field::server, "polyvox");
      for (auto& [name, value] : response.headers) res.insert(name, value);
      res.keep_alive(keep_alive);
    };
    if (!response.stream) {
      // Head and body in one gathered write; see head_of().
      const std::string head = head_of(response, version, keep_alive);
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                                      head_only || !has_body(response.status)
                                                          ? asio::const_buffer()
                                                          : asio::buffer(response.body)};
      auto [ec, n] = co_await asio::async_write(stream, buffers, kNoThrow);
      co_return !ec;
    }
    // Streamed body: headers first, then chunks read from the source.
    http::response<http::buffer_body> res{status, version};
    fill(res);
    res.content_length(response.stream_length);
    res.body().data = nullptr;
    res.body().more = !head_only && response.stream_length > 0;
    http::response_serializer<http::buffer_body> serializer{res};
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, kNoThrow);
    if (hec) co_return false;
    if (head_only) co_return true;
    std::vector<char> chunk(64 * 1024);
    uint64_t left = response.stream_length;
    while (left > 0) {
      const auto want = static_cast<std::size_t>(std::min<uint64_t>(left, chunk.size()));
      Result<std::size_t> got = std::size_t{0};
      if (blocking_source) {
        co_await asio::co_spawn(
            blocking_pool_,
            [&]() -> awaitable<void> {
              got = response.stream(chunk.data(), want);
              co_return;
            },
            use_awaitable);
      } else {
        got = response.stream(chunk.data(), want);
      }
      if (!got || *got == 0) co_return false;  // cannot finish: drop the connection
      left -= *got;
      res.body().data = chunk.data();
      res.body().size = *got;
      res.body().more = left > 0;
      stream.expires_after(options_.write_timeout);
      auto [ec, n] = co_await http::async_write(stream, serializer, kNoThrow);
      if (ec && ec != http::error::need_buffer) co_return false;
    }
    co_return true;
  }

  HttpServerOptions options_;
  const Router& router_;
  RequestObserver observer_;
  asio::thread_pool blocking_pool_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  std::mutex clients_mutex_;                              // guards clients_
  std::unordered_map<std::string, std::size_t> clients_;  // open connections by client address
  std::once_flag stop_once_;
  uint16_t port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(observer))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() { return impl_->start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::stop() { impl_->stop(); }

}  // namespace polyvox
