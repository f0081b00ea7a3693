// Live response bodies (LiveBody) as a client on the loopback sees them: pieces delivered from
// another thread arrive in order as chunks, heartbeats keep a quiet stream alive, HTTP/1.0
// clients get the body until the connection closes, a client that leaves makes the server close
// the body, and stop() ends event-like bodies at once with their farewell while audio-like
// bodies get the drain time. Open live bodies hold no thread: a blocking route still answers
// with one blocking thread while many streams are open.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "api/api_error.h"
#include "api/http_server.h"

namespace polyvox {
namespace {

using namespace std::chrono_literals;

// A live body fed by the test: push() from any thread; records close().
class QueueBody : public LiveBody {
 public:
  explicit QueueBody(std::chrono::milliseconds heartbeat = {}, bool ends_at_shutdown = true)
      : heartbeat_(heartbeat), ends_at_shutdown_(ends_at_shutdown) {}

  void push(std::string bytes, bool end = false) {
    Deliver deliver;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(Piece{std::move(bytes), end});
      if (!pending_) return;
      deliver = std::move(pending_);
      pending_ = nullptr;
    }
    deliver_front(std::move(deliver));
  }

  void next(Deliver deliver) override {
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        pending_ = std::move(deliver);
        return;
      }
    }
    deliver_front(std::move(deliver));
  }

  std::chrono::milliseconds heartbeat_interval() const override { return heartbeat_; }
  std::string heartbeat() override { return ": hb\n\n"; }
  bool ends_at_shutdown() const override { return ends_at_shutdown_; }
  std::string farewell() override { return "retry: 1000\n\n"; }
  void close() override {
    std::lock_guard lock(mutex_);
    ++closes_;
    pending_ = nullptr;
    closed_.notify_all();
  }

  // True when close() was called within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return closed_.wait_for(lock, timeout, [this] { return closes_ > 0; });
  }
  int closes() {
    std::lock_guard lock(mutex_);
    return closes_;
  }

 private:
  void deliver_front(Deliver deliver) {
    Piece piece;
    {
      std::lock_guard lock(mutex_);
      piece = std::move(queue_.front());
      queue_.pop_front();
    }
    deliver(std::move(piece));
  }

  const std::chrono::milliseconds heartbeat_;
  const bool ends_at_shutdown_;
  std::mutex mutex_;
  std::condition_variable closed_;
  std::deque<Piece> queue_;
  Deliver pending_;
  int closes_ = 0;
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect");
    }
  }
  ~Client() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(const std::string& raw) {
    ASSERT_EQ(::send(fd_, raw.data(), raw.size(), MSG_NOSIGNAL), static_cast<ssize_t>(raw.size()));
  }
  // Reads until `text` has arrived (true) or the connection closed or 5 s passed (false).
  bool read_until(const std::string& text) {
    while (received_.find(text) == std::string::npos) {
      if (!read_some()) return false;
    }
    return true;
  }
  // Reads until the server closes the connection.
  void read_to_end() {
    while (read_some()) {
    }
  }
  const std::string& received() const { return received_; }
  // The body after the head, de-chunked; nullopt when the chunked framing is broken or
  // unfinished.
  std::optional<std::string> dechunked() const {
    auto pos = received_.find("\r\n\r\n");
    if (pos == std::string::npos) return std::nullopt;
    pos += 4;
    std::string body;
    for (;;) {
      const auto line_end = received_.find("\r\n", pos);
      if (line_end == std::string::npos) return std::nullopt;
      const std::size_t size = std::stoul(received_.substr(pos, line_end - pos), nullptr, 16);
      pos = line_end + 2;
      if (size == 0)
        return received_.compare(pos, 2, "\r\n") == 0 ? std::optional(body) : std::nullopt;
      if (received_.size() < pos + size + 2) return std::nullopt;
      body += received_.substr(pos, size);
      if (received_.compare(pos + size, 2, "\r\n") != 0) return std::nullopt;
      pos += size + 2;
    }
  }

 private:
  bool read_some() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    received_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string received_;
};

const std::string kGet = "GET /live HTTP/1.1\r\nHost: h\r\n\r\n";

class HttpLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/live", [this](HttpRequest&) {
      HttpResponse response;
      response.set_header("Content-Type", "text/event-stream");
      std::lock_guard lock(mutex_);
      response.live = bodies_.at(handed_out_++);
      return response;
    });
    router_.add(
        "GET", "/blocking", [](HttpRequest&) { return json_response(200, "{}"); },
        Execution::kBlocking);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  void start(HttpServerOptions o = {}) {
    o.port = 0;
    o.io_threads = 1;
    o.blocking_threads = 1;
    server_ = std::make_unique<HttpServer>(o, MiddlewareChain::standard(router_, false));
    ASSERT_TRUE(server_->start().ok());
  }

  // The bodies the next requests of /live get, in order.
  std::shared_ptr<QueueBody> add_body(std::chrono::milliseconds heartbeat = {},
                                      bool ends_at_shutdown = true) {
    auto body = std::make_shared<QueueBody>(heartbeat, ends_at_shutdown);
    std::lock_guard lock(mutex_);
    bodies_.push_back(body);
    return body;
  }

  MetricsRegistry metrics_;
  Router router_{metrics_};
  std::unique_ptr<HttpServer> server_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<QueueBody>> bodies_;
  std::size_t handed_out_ = 0;
};

TEST_F(HttpLiveTest, PiecesFromAnotherThreadArriveInOrderAsChunks) {
  auto body = add_body();
  start();
  Client client(server_->port());
  client.send(kGet);
  ASSERT_TRUE(client.read_until("\r\n\r\n"));
  EXPECT_NE(client.received().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(client.received().find("Content-Length"), std::string::npos);
  EXPECT_NE(client.received().find("X-Request-ID"), std::string::npos);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) body->push("event " + std::to_string(i) + "\n");
    body->push("", true);
  });
  ASSERT_TRUE(client.read_until("0\r\n\r\n"));
  producer.join();
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "event " + std::to_string(i) + "\n";
  EXPECT_EQ(client.dechunked(), expected);
  EXPECT_TRUE(body->wait_closed(5s));
  EXPECT_EQ(body->closes(), 1);
  // The connection stays usable after a finished live body.
  client.send("GET /blocking HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  client.read_to_end();
  EXPECT_NE(client.received().find("HTTP/1.1 200 OK", 10), std::string::npos);
}

TEST_F(HttpLiveTest, AQuietStreamGetsHeartbeats) {
  auto body = add_body(20ms);
  start();
  Client client(server_->port());
  client.send(kGet);
  ASSERT_TRUE(client.read_until(": hb\n\n"));
  body->push("data: x\n\n", true);
  ASSERT_TRUE(client.read_until("0\r\n\r\n"));
  const auto text = client.dechunked();
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->substr(0, 6), ": hb\n\n");
  EXPECT_EQ(text->substr(text->size() - 9), "data: x\n\n");
}

TEST_F(HttpLiveTest, Http10GetsTheBodyUntilTheConnectionCloses) {
  auto body = add_body();
  start();
  Client client(server_->port());
  client.send("GET /live HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(client.read_until("\r\n\r\n"));
  body->push("one ");
  body->push("two", true);
  client.read_to_end();
  const std::string& text = client.received();
  EXPECT_EQ(text.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(text.substr(text.find("\r\n\r\n") + 4), "one two");
}

TEST_F(HttpLiveTest, AClientThatLeavesClosesTheBody) {
  auto body = add_body(20ms);
  start();
  {
    Client client(server_->port());
    client.send(kGet);
    ASSERT_TRUE(client.read_until("\r\n\r\n"));
  }
  // The next heartbeat write fails: the body is closed and never asked again.
  EXPECT_TRUE(body->wait_closed(5s));
  EXPECT_EQ(body->closes(), 1);
}

TEST_F(HttpLiveTest, HeadGetsTheHeadAndClosesTheBody) {
  auto body = add_body();
  start();
  Client client(server_->port());
  client.send("HEAD /live HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  client.read_to_end();
  EXPECT_NE(client.received().find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_EQ(client.received().substr(client.received().find("\r\n\r\n") + 4), "");
  EXPECT_TRUE(body->wait_closed(5s));
}

TEST_F(HttpLiveTest, OpenStreamsHoldNoThread) {
  constexpr int kStreams = 200;
  std::vector<std::shared_ptr<QueueBody>> bodies;
  for (int i = 0; i < kStreams; ++i) bodies.push_back(add_body());
  start();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    clients.back()->send(kGet);
  }
  for (auto& c : clients) ASSERT_TRUE(c->read_until("\r\n\r\n"));
  // One blocking thread, one I/O thread, 200 open streams: a blocking route still answers.
  Client other(server_->port());
  other.send("GET /blocking HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  other.read_to_end();
  EXPECT_NE(other.received().find("HTTP/1.1 200 OK"), std::string::npos);
  for (int i = 0; i < kStreams; ++i) bodies[i]->push("bye", true);
  for (auto& c : clients) EXPECT_TRUE(c->read_until("0\r\n\r\n"));
}

TEST_F(HttpLiveTest, StopEndsEventStreamsAtOnceWithTheirFarewell) {
  constexpr int kStreams = 100;
  std::vector<std::shared_ptr<QueueBody>> bodies;
  for (int i = 0; i < kStreams; ++i) bodies.push_back(add_body());
  HttpServerOptions o;
  o.drain_timeout = 60s;  // event streams must not wait for it
  start(o);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    clients.back()->send(kGet);
  }
  for (auto& c : clients) ASSERT_TRUE(c->read_until("\r\n\r\n"));
  const auto started = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  for (auto& c : clients) {
    c->read_to_end();
    EXPECT_EQ(c->dechunked(), "retry: 1000\n\n");
  }
  for (auto& b : bodies) EXPECT_EQ(b->closes(), 1);
}

TEST_F(HttpLiveTest, StopGivesAudioStreamsTheDrainThenClosesThem) {
  auto finishing = add_body({}, false);
  auto stuck = add_body({}, false);
  HttpServerOptions o;
  o.drain_timeout = 300ms;
  start(o);
  Client a(server_->port()), b(server_->port());
  a.send(kGet);
  ASSERT_TRUE(a.read_until("\r\n\r\n"));
  b.send(kGet);
  ASSERT_TRUE(b.read_until("\r\n\r\n"));
  std::thread stopper([this] { server_->stop(); });
  // While the server drains, a stream that goes on is still written whole.
  finishing->push("audio");
  ASSERT_TRUE(a.read_until("audio"));
  finishing->push("", true);
  ASSERT_TRUE(a.read_until("0\r\n\r\n"));
  EXPECT_EQ(a.dechunked(), "audio");
  stopper.join();  // returns once the drain is over: the stuck stream was cut
  b.read_to_end();
  EXPECT_EQ(b.dechunked(), std::nullopt);  // cut, not ended: the client can tell
  EXPECT_EQ(stuck->closes(), 1);
  EXPECT_EQ(finishing->closes(), 1);
}

}  // namespace
}  // namespace polyvox
