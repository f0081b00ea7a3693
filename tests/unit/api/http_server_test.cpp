// The HTTP server as a client on the loopback sees it: how a request on the wire becomes the
// HttpRequest a handler gets (method, decoded path, raw query, lower-case headers, body, peer
// address, request id), the answers for paths no route serves, and the limits on hostile input.
// Requests are written byte for byte on a plain socket, so that malformed ones can be sent.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "api/api_error.h"
#include "api/routing_middleware.h"
#include "core/waiting.h"

namespace polyvox {
namespace {

using nlohmann::json;

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  std::optional<std::string> header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
  json error() const { return json::parse(body).at("error"); }
};

// A connection to 127.0.0.1:`port` whose reads time out after 5 s.
int connect_loopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect");
  }
  return fd;
}

// Sends `raw` on a new connection to 127.0.0.1:`port` and returns every byte the server writes
// until it closes the connection (the requests ask it to).
std::string exchange(uint16_t port, const std::string& raw) {
  const int fd = connect_loopback(port);
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// The responses in `text`, interim (1xx) ones included; bodies by Content-Length.
std::vector<RawResponse> parse_responses(const std::string& text, bool head_only = false) {
  std::vector<RawResponse> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    std::istringstream head(text.substr(pos, end - pos));
    RawResponse res;
    std::string line, version;
    std::getline(head, line);
    std::istringstream(line) >> version >> res.status;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto value = line.find_first_not_of(' ', colon + 1);
      res.headers.emplace_back(name, value == std::string::npos ? "" : line.substr(value));
    }
    pos = end + 4;
    const auto length = res.header("content-length");
    if (length && !head_only && res.status >= 200) {
      res.body = text.substr(pos, std::stoul(*length));
      pos += res.body.size();
    }
    out.push_back(std::move(res));
  }
  return out;
}

// The final (non-1xx) response of a one-request exchange.
RawResponse final_response(const std::string& text, bool head_only = false) {
  auto all = parse_responses(text, head_only);
  while (!all.empty() && all.front().status < 200) all.erase(all.begin());
  EXPECT_EQ(all.size(), 1u) << text;
  return all.empty() ? RawResponse{} : all.front();
}

// What a handler saw, as JSON.
json echo(const HttpRequest& request) {
  json headers = json::array();
  for (const auto& [name, value] : request.headers) headers.push_back({name, value});
  return {{"method", request.method},
          {"path", request.path},
          {"query", request.query},
          {"headers", headers},
          {"body", request.body},
          {"remote_address", request.remote_address},
          {"request_id", request.request_id},
          {"name", request.param("name")}};
}

std::string thread_name() {
  std::ostringstream id;
  id << std::this_thread::get_id();
  return id.str();
}

class HttpServerTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kMaxBody = 1024;
  static constexpr std::size_t kMaxHeader = 2048;

  void SetUp() override {
    router_.add("GET", "/echo/{name}", [](HttpRequest& r) { return json_response(200, dump(r)); });
    router_.add("POST", "/echo/{name}", [](HttpRequest& r) { return json_response(200, dump(r)); });
    router_.add("GET", "/items/{id}", [](HttpRequest&) { return json_response(200, "{}"); });
    router_.add("DELETE", "/items/{id}", [](HttpRequest&) { return json_response(200, "{}"); });
    router_.add("GET", "/throws", [](HttpRequest&) -> HttpResponse {
      throw std::runtime_error("handler bug with /secret/path");
    });
    router_.add("GET", "/thread/inline",
                [](HttpRequest&) { return json_response(200, json(thread_name()).dump()); });
    router_.add(
        "GET", "/thread/blocking",
        [](HttpRequest&) { return json_response(200, json(thread_name()).dump()); },
        Execution::kBlocking);
    // Answers from memory when it can: `/memory/hit` never needs to wait, `/memory/miss` would.
    router_.add(
        "GET", "/memory/{what}",
        [this](HttpRequest& r) {
          ++memory_calls_;
          if (r.param("what") == "miss" && !may_wait()) {
            return error_response(refuse_to_wait("the test's store"));
          }
          return json_response(200,
                               json{{"thread", thread_name()}, {"may_wait", may_wait()}}.dump());
        },
        Execution::kMemoryFirst);
    server_ = start_server(options());
    ASSERT_NE(server_, nullptr);
  }

  static HttpServerOptions options() {
    HttpServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    o.blocking_threads = 1;
    o.max_body_bytes = kMaxBody;
    o.max_header_bytes = kMaxHeader;
    return o;
  }

  // A server of router_ on a free loopback port; null when it cannot start.
  std::unique_ptr<HttpServer> start_server(const HttpServerOptions& o) {
    auto server = std::make_unique<HttpServer>(o, MiddlewareChain::standard(router_, false));
    Status started = server->start();
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started.ok() ? std::move(server) : nullptr;
  }

  void TearDown() override { server_->stop(); }

  static std::string dump(const HttpRequest& r) { return echo(r).dump(); }

  // `request_line` with `headers` (each "Name: value\r\n") and Connection: close.
  RawResponse send(const std::string& request_line, const std::string& headers = "",
                   const std::string& body = "", bool head_only = false) {
    return final_response(
        exchange(server_->port(), request_line + "\r\nHost: localhost\r\n" + headers +
                                      "Connection: close\r\n\r\n" + body),
        head_only);
  }

  std::atomic<int> memory_calls_{0};
  MetricsRegistry metrics_;
  Router router_{metrics_};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, HandlerSeesMethodDecodedPathRawQueryAndBody) {
  const RawResponse res = send("POST /echo/a%20b%21?x=1%202&y=+&z HTTP/1.1",
                               "Content-Type: text/plain\r\nContent-Length: 11\r\n", "hello world");
  ASSERT_EQ(res.status, 200) << res.body;
  const json seen = json::parse(res.body);
  EXPECT_EQ(seen["method"], "POST");
  EXPECT_EQ(seen["path"], "/echo/a b!");
  EXPECT_EQ(seen["query"], "x=1%202&y=+&z");  // raw: query_param() decodes
  EXPECT_EQ(seen["body"], "hello world");
}

// The path is decoded before routing: an escaped slash separates segments like a plain one.
TEST_F(HttpServerTest, EscapedSlashInThePathSeparatesSegments) {
  EXPECT_EQ(send("GET /echo/a%2Fb HTTP/1.1").status, 404);
  const RawResponse res = send("GET /echo/a%20b HTTP/1.1");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["name"], "a b");
}

TEST_F(HttpServerTest, HeaderNamesAreLowerCaseAndValuesAsSent) {
  const RawResponse res = send("GET /echo/x HTTP/1.1",
                               "X-Custom-Thing: Value With Caps\r\nX-Twice: 1\r\nX-TWICE: 2\r\n");
  ASSERT_EQ(res.status, 200);
  const json headers = json::parse(res.body)["headers"];
  EXPECT_NE(std::find(headers.begin(), headers.end(), json{"x-custom-thing", "Value With Caps"}),
            headers.end())
      << headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(), json{"x-twice", "1"}), headers.end());
  EXPECT_NE(std::find(headers.begin(), headers.end(), json{"x-twice", "2"}), headers.end());
  EXPECT_NE(std::find(headers.begin(), headers.end(), json{"host", "localhost"}), headers.end());
}

TEST_F(HttpServerTest, RemoteAddressIsThePeer) {
  const RawResponse res = send("GET /echo/x HTTP/1.1");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["remote_address"], "127.0.0.1");
}

TEST_F(HttpServerTest, SafeRequestIdIsKeptAndAnsweredBack) {
  const RawResponse res = send("GET /echo/x HTTP/1.1", "X-Request-ID: trace-1.2_3:x\r\n");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["request_id"], "trace-1.2_3:x");
  EXPECT_EQ(res.header("x-request-id"), "trace-1.2_3:x");
}

TEST_F(HttpServerTest, UnsafeOrMissingRequestIdIsReplaced) {
  for (const std::string& given :
       {std::string("X-Request-ID: <script>\r\n"),
        "X-Request-ID: " + std::string(129, 'a') + "\r\n", std::string()}) {
    const RawResponse res = send("GET /echo/x HTTP/1.1", given);
    ASSERT_EQ(res.status, 200);
    const std::string id = json::parse(res.body)["request_id"];
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(id.find('<'), std::string::npos);
    EXPECT_LT(id.size(), 129u);
    EXPECT_EQ(res.header("x-request-id"), id);
  }
}

TEST_F(HttpServerTest, RouterAnswers405WithAllowHeader) {
  const RawResponse res = send("PUT /items/7 HTTP/1.1", "Content-Length: 0\r\n");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET, DELETE");
  EXPECT_EQ(res.error()["code"], "METHOD_NOT_ALLOWED");
  EXPECT_EQ(res.error()["message"], "method PUT is not allowed here");
}

TEST_F(HttpServerTest, UnknownPathIs404WithItsPath) {
  const RawResponse res = send("GET /nowhere HTTP/1.1");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error()["code"], "NOT_FOUND");
  EXPECT_EQ(res.error()["message"], "no route for /nowhere");
  EXPECT_EQ(res.header("allow"), std::nullopt);
}

TEST_F(HttpServerTest, MalformedEscapeInThePathIs400) {
  const RawResponse res = send("GET /echo/%zz HTTP/1.1");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error()["code"], "VALIDATION_ERROR");
  EXPECT_EQ(res.error()["message"], "malformed request target");
}

TEST_F(HttpServerTest, TargetThatIsNotAPathIs400) {
  EXPECT_EQ(send("GET * HTTP/1.1").status, 400);
  EXPECT_EQ(send("GET echo/x HTTP/1.1").status, 400);
}

TEST_F(HttpServerTest, MalformedTargetGetsARequestIdToo) {
  const RawResponse res = send("GET /echo/%zz HTTP/1.1");
  ASSERT_EQ(res.status, 400);
  ASSERT_TRUE(res.header("x-request-id"));
  EXPECT_FALSE(res.header("x-request-id")->empty());
}

// The 404 message names the path as valid, printable UTF-8: never the raw bytes, never an
// exception instead of an answer.
TEST_F(HttpServerTest, UnknownPathWithInvalidUtf8Is404) {
  const RawResponse res = send("GET /%FF%FE%0A%1B HTTP/1.1");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error()["code"], "NOT_FOUND");
  EXPECT_EQ(res.error()["message"], "no route for /\uFFFD\uFFFD??");
}

TEST_F(HttpServerTest, AVeryLongUnknownPathIsNamedShortened) {
  const RawResponse res = send("GET /" + std::string(1000, 'a') + " HTTP/1.1");
  EXPECT_EQ(res.status, 404);
  EXPECT_LT(res.error()["message"].get<std::string>().size(), 250u);
}

// Such requests once ended their sessions by an exception that kept their connection slots:
// max_connections of them, sent by anyone, and every later connection was refused with 503.
TEST_F(HttpServerTest, FailedRequestsGiveTheirConnectionSlotBack) {
  HttpServerOptions o = options();
  o.max_connections = 2;
  auto server = start_server(o);
  ASSERT_NE(server, nullptr);
  const std::string bad = "GET /%FF HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < 3; ++i) (void)exchange(server->port(), bad);
  const RawResponse res = final_response(
      exchange(server->port(), "GET /items/1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(res.status, 200);
  server->stop();
}

// A middleware whose after() throws for one path.
class ThrowingAfter : public Middleware {
 public:
  void after(const Exchange& exchange) override {
    if (exchange.request.path == "/items/boom") throw std::runtime_error("middleware bug");
  }
};

// Whatever ends a session — here an exception out of a middleware, after the response — its
// connection slot comes back and the server still stops cleanly.
TEST_F(HttpServerTest, ASessionEndedByAnExceptionGivesItsSlotBack) {
  HttpServerOptions o = options();
  o.max_connections = 2;
  auto server = std::make_unique<HttpServer>(
      o, MiddlewareChain(
             {std::make_shared<ThrowingAfter>(), std::make_shared<RoutingMiddleware>(router_)}));
  ASSERT_TRUE(server->start().ok());
  const std::string boom = "GET /items/boom HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(final_response(exchange(server->port(), boom)).status, 200);
  const RawResponse res = final_response(
      exchange(server->port(), "GET /items/1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(res.status, 200);
  server->stop();
}

// Every request head gets the header timeout, not only a connection's first: a client that
// starts a second request on a kept-alive connection and stalls is cut off as soon.
TEST_F(HttpServerTest, EveryRequestHeadGetsTheHeaderTimeout) {
  HttpServerOptions o = options();
  o.header_timeout = std::chrono::milliseconds(200);
  o.idle_timeout = std::chrono::milliseconds(60'000);
  auto server = start_server(o);
  ASSERT_NE(server, nullptr);
  const int fd = connect_loopback(server->port());  // reads time out after 5 s
  const std::string first = "GET /items/1 HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(::send(fd, first.data(), first.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(first.size()));
  std::string got;
  char buf[4096];
  while (got.find("{}") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  const std::string partial = "GET /items/2 HTTP/1.1\r\nHost";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(partial.size()));
  const auto sent = std::chrono::steady_clock::now();
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);  // the server closes: 0
  const auto waited = std::chrono::steady_clock::now() - sent;
  ::close(fd);
  EXPECT_EQ(n, 0);
  EXPECT_LT(waited, std::chrono::seconds(4));  // the header timeout, not the idle one
  server->stop();
}

TEST_F(HttpServerTest, ConnectionsOverThePerClientCapAreRefusedWith503) {
  HttpServerOptions o = options();
  o.max_connections_per_client = 1;
  auto server = start_server(o);
  ASSERT_NE(server, nullptr);
  const int holder = connect_loopback(server->port());
  // Accepted in order: the holder's slot is taken before the next connection is looked at.
  const RawResponse refused = final_response(
      exchange(server->port(), "GET /items/1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  ::close(holder);
  EXPECT_EQ(refused.status, 503);
  server->stop();
}

// One listening socket hands its connections to the I/O loops in turn: every loop serves.
TEST_F(HttpServerTest, ConnectionsAreSpreadOverEveryLoop) {
  HttpServerOptions o = options();
  o.io_threads = 2;
  auto server = start_server(o);
  ASSERT_NE(server, nullptr);
  std::set<std::string> threads;
  for (int i = 0; i < 4; ++i) {
    const RawResponse res = final_response(exchange(
        server->port(), "GET /thread/inline HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    ASSERT_EQ(res.status, 200);
    threads.insert(json::parse(res.body).get<std::string>());
  }
  EXPECT_EQ(threads.size(), 2u);
  server->stop();
}

TEST_F(HttpServerTest, APortInUseIsAStartupErrorNamingIt) {
  HttpServerOptions o = options();
  o.port = server_->port();
  HttpServer second(o, MiddlewareChain::standard(router_, false));
  Status started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(o.port)), std::string::npos)
      << started.error().message;
  // The first server still answers every request.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(send("GET /items/1 HTTP/1.1").status, 200);
}

// A read answered from memory costs no thread hop; one whose store would have waited is asked
// again on the blocking pool, where it may wait. Nothing waits on the I/O thread either way.
TEST_F(HttpServerTest, MemoryFirstRoutesHopOnlyWhenAStoreWouldWait) {
  const std::string io_thread = json::parse(send("GET /thread/inline HTTP/1.1").body);
  const RawResponse hit = send("GET /memory/hit HTTP/1.1");
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_EQ(json::parse(hit.body)["thread"], io_thread);
  EXPECT_EQ(json::parse(hit.body)["may_wait"], false);
  EXPECT_EQ(memory_calls_.load(), 1);

  const RawResponse miss = send("GET /memory/miss HTTP/1.1");
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_NE(json::parse(miss.body)["thread"], io_thread);
  EXPECT_EQ(json::parse(miss.body)["may_wait"], true);
  EXPECT_EQ(memory_calls_.load(), 3);  // tried once without waiting, then once where it may
  EXPECT_TRUE(may_wait()) << "the scope never leaks into another thread";
}

TEST_F(HttpServerTest, ConnectionsOverTheCapAreRefusedWith503) {
  HttpServerOptions o = options();
  o.max_connections = 1;
  auto server = start_server(o);
  ASSERT_NE(server, nullptr);
  // The first connection, accepted first, holds the only slot while it sends nothing.
  const int holder = connect_loopback(server->port());
  const RawResponse res = final_response(
      exchange(server->port(), "GET /items/1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  ::close(holder);
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.header("retry-after"), "1");
  EXPECT_EQ(res.error()["code"], "UNAVAILABLE");
  server->stop();
}

TEST_F(HttpServerTest, GarbageIsAnswered400) {
  const RawResponse res = final_response(exchange(server_->port(), "HELLO\r\n\r\n"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error()["message"], "malformed HTTP request");
}

TEST_F(HttpServerTest, DeclaredBodyOverTheLimitIs413) {
  const RawResponse res =
      send("POST /echo/x HTTP/1.1", "Content-Length: " + std::to_string(kMaxBody + 1) + "\r\n");
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.error()["code"], "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(res.error()["message"],
            "request body of 1025 bytes is over the limit of 1024 bytes (MAX_BODY_BYTES)");
}

TEST_F(HttpServerTest, BodyAtTheLimitIsAccepted) {
  const RawResponse res =
      send("POST /echo/x HTTP/1.1", "Content-Length: " + std::to_string(kMaxBody) + "\r\n",
           std::string(kMaxBody, 'b'));
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["body"], std::string(kMaxBody, 'b'));
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitIs413) {
  std::ostringstream chunk_size;
  chunk_size << std::hex << kMaxBody + 100;
  const RawResponse res =
      send("POST /echo/x HTTP/1.1", "Transfer-Encoding: chunked\r\n",
           chunk_size.str() + "\r\n" + std::string(kMaxBody + 100, 'c') + "\r\n0\r\n\r\n");
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.error()["code"], "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(res.error()["message"],
            "request body of more than 1024 bytes is over the limit of 1024 bytes "
            "(MAX_BODY_BYTES)");
}

TEST_F(HttpServerTest, ChunkedBodyIsJoined) {
  const RawResponse res = send("POST /echo/x HTTP/1.1", "Transfer-Encoding: chunked\r\n",
                               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["body"], "hello world");
}

TEST_F(HttpServerTest, HeadersOverTheLimitAre431) {
  const RawResponse res =
      send("GET /echo/x HTTP/1.1", "X-Big: " + std::string(kMaxHeader, 'h') + "\r\n");
  EXPECT_EQ(res.status, 431);
  EXPECT_EQ(res.error()["message"], "request headers too large");
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimAnswerFirst) {
  const auto all = parse_responses(
      exchange(server_->port(),
               "POST /echo/x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
               "Connection: close\r\n\r\nhi"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, 100);
  EXPECT_EQ(all[1].status, 200);
  EXPECT_EQ(json::parse(all[1].body)["body"], "hi");
}

TEST_F(HttpServerTest, HeadGetsTheHeadersOfGetWithoutTheBody) {
  const RawResponse get = send("GET /echo/x HTTP/1.1", "X-Request-ID: same\r\n");
  const std::string raw = exchange(server_->port(),
                                   "HEAD /echo/x HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: "
                                   "same\r\nConnection: close\r\n\r\n");
  const RawResponse head = final_response(raw, /*head_only=*/true);
  EXPECT_EQ(head.status, 200);
  ASSERT_TRUE(head.header("content-length"));
  // The echo differs only in its method: "HEAD" is as long as "GET" plus one.
  EXPECT_EQ(std::stoul(*head.header("content-length")), get.body.size() + 1);
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), "");  // no body bytes at all
}

TEST_F(HttpServerTest, EachRequestOnAConnectionStartsFresh) {
  const auto all = parse_responses(exchange(
      server_->port(),
      "POST /echo/first HTTP/1.1\r\nHost: h\r\nX-Only-First: 1\r\nContent-Length: 3\r\n\r\none"
      "GET /echo/second HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  ASSERT_EQ(all.size(), 2u);
  const json first = json::parse(all[0].body);
  const json second = json::parse(all[1].body);
  EXPECT_EQ(first["name"], "first");
  EXPECT_EQ(first["body"], "one");
  EXPECT_EQ(second["name"], "second");
  EXPECT_EQ(second["body"], "");
  EXPECT_EQ(second["headers"].dump().find("x-only-first"), std::string::npos);
  EXPECT_NE(first["request_id"], second["request_id"]);
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutDetails) {
  const RawResponse res = send("GET /throws HTTP/1.1");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.error()["code"], "INTERNAL");
  EXPECT_EQ(res.body.find("secret"), std::string::npos);
}

TEST_F(HttpServerTest, BlockingRoutesRunOffTheIoThread) {
  const RawResponse inline_res = send("GET /thread/inline HTTP/1.1");
  const RawResponse blocking_res = send("GET /thread/blocking HTTP/1.1");
  ASSERT_EQ(inline_res.status, 200);
  ASSERT_EQ(blocking_res.status, 200);
  EXPECT_NE(json::parse(inline_res.body), json::parse(blocking_res.body));
}

TEST_F(HttpServerTest, ResponsesCarryServerAndLength) {
  const RawResponse res = send("GET /items/1 HTTP/1.1");
  EXPECT_EQ(res.header("server"), "polyvox");
  EXPECT_EQ(res.header("content-length"), "2");
  EXPECT_EQ(res.header("connection"), "close");
}

}  // namespace
}  // namespace polyvox
