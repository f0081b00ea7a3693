// One Redis connection as a subscriber reads it: a reply that arrives in several pieces (a slow
// link, a large message, TCP segments) is read whole, not taken for a quiet connection. The
// server here is a loopback socket that writes one pub/sub message in pieces, as a real Redis
// behind a slow network would.
#include "jobs/redis/redis_connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_listener.h"

namespace polyvox {
namespace {

// Accepts one connection on a free loopback port and writes `pieces` to it, `gap` apart; the
// last one only once `before_last` is ready (when given).
class PiecewiseServer {
 public:
  PiecewiseServer(std::vector<std::string> pieces, std::chrono::milliseconds gap,
                  std::shared_future<void> before_last = {}) {
    listener_ = test_support::listen_on_loopback(port_, 1);
    if (listener_ < 0) return;
    thread_ = std::thread([this, pieces = std::move(pieces), gap, before_last] {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) std::this_thread::sleep_for(gap);  // what the slow link does, not a wait
        if (i + 1 == pieces.size() && before_last.valid()) before_last.wait();
        (void)::send(client, pieces[i].data(), pieces[i].size(), MSG_NOSIGNAL);
      }
      char byte;
      (void)::recv(client, &byte, 1, 0);  // until the client closes
      ::close(client);
    });
  }
  ~PiecewiseServer() {
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(RedisConnectionTest, AMessageInPiecesIsReadWhole) {
  const std::string message = "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$11\r\nhello world\r\n";
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < message.size(); at += 9) pieces.push_back(message.substr(at, 9));
  ASSERT_GE(pieces.size(), 4u);
  std::optional<redis::Value> got;
  {
    PiecewiseServer server(pieces, std::chrono::milliseconds(30));
    ASSERT_NE(server.port(), 0);
    auto connection = redis::Connection::open(redis::Endpoint{"127.0.0.1", server.port()}, {});
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    auto reply = (*connection)->receive(10'000);
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    got = *reply;
    EXPECT_FALSE((*connection)->broken());
  }
  ASSERT_TRUE(got.has_value()) << "a message in pieces was taken for a quiet connection";
  ASSERT_EQ(got->elements.size(), 3u);
  EXPECT_EQ(got->elements[0].str, "message");
  EXPECT_EQ(got->elements[1].str, "events");
  EXPECT_EQ(got->elements[2].str, "hello world");
}

// Part of a message and then silence past the timeout: no reply (nullopt), the connection still
// usable, and the rest, when it comes, completes the message.
TEST(RedisConnectionTest, PartOfAMessageThenSilenceIsNoReplyYet) {
  const std::string message = "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$2\r\nhi\r\n";
  std::promise<void> rest;
  PiecewiseServer server({message.substr(0, 20), message.substr(20)}, std::chrono::milliseconds(0),
                         rest.get_future().share());
  ASSERT_NE(server.port(), 0);
  auto connection = redis::Connection::open(redis::Endpoint{"127.0.0.1", server.port()}, {});
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto first = (*connection)->receive(100);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->has_value());
  rest.set_value();
  auto second = (*connection)->receive(10'000);
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((**second).elements[2].str, "hi");
}

}  // namespace
}  // namespace polyvox
