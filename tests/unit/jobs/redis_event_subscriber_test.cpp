// The Redis backend's event feed on a node: announcements ("<id>\n<owner>\n<seq>\n<JSON>")
// parsed strictly, one SUBSCRIBE connection whose every subscription (the first, and each one
// after the connection was lost) is announced to the listeners as a resync, messages on other
// channels or malformed ones ignored, and stop() prompt even while Redis cannot be reached.
#include "jobs/redis/redis_event_subscriber.h"

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "support/answer_losing_proxy.h"
#include "support/closed_port.h"
#include "support/event_recorder.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using redis::parse_announcement;
using test_support::EventRecorder;
using test_support::shared_redis_server;

TEST(ParseAnnouncementTest, ReadsTheFourParts) {
  auto event = parse_announcement("job-1\nuser-7\n42\n{\"type\":\"job.cancelled\"}");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->job_id, "job-1");
  EXPECT_EQ(event->owner, "user-7");
  EXPECT_EQ(event->seq, 42);
  EXPECT_EQ(event->body, "{\"type\":\"job.cancelled\"}");
}

TEST(ParseAnnouncementTest, TheBodyMayHoldNewlinesAndTheOwnerMayBeEmpty) {
  auto event = parse_announcement("job-1\n\n1\n{\"a\":\n1}\n");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->owner, "");
  EXPECT_EQ(event->body, "{\"a\":\n1}\n");
}

TEST(ParseAnnouncementTest, RefusesMalformedAnnouncements) {
  for (const std::string& message : {
           std::string(""), std::string("job-1"), std::string("job-1\nuser"),
           std::string("job-1\nuser\n3"),         // no body separator
           std::string("\nuser\n3\n{}"),          // no job
           std::string("job-1\nuser\n\n{}"),      // no seq
           std::string("job-1\nuser\n0\n{}"),     // seq 0 is a resync, never announced
           std::string("job-1\nuser\n-3\n{}"),    // negative
           std::string("job-1\nuser\n+3\n{}"),    // a sign
           std::string("job-1\nuser\n 3\n{}"),    // space
           std::string("job-1\nuser\n3x\n{}"),    // trailing junk
           std::string("job-1\nuser\n0x10\n{}"),  // not decimal
           std::string("job-1\nuser\n99999999999999999999\n{}"),  // overflows int64
       }) {
    EXPECT_FALSE(parse_announcement(message)) << message;
  }
}

// The endpoint of `server`.
redis::Endpoint endpoint_of(const test_support::RedisServer& server) {
  auto endpoint = redis::parse_redis_url(server.url());
  EXPECT_TRUE(endpoint.ok());
  return endpoint.ok() ? *endpoint : redis::Endpoint{};
}

// True once `condition` holds, polling it for up to 10 s (for counts that nothing announces).
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class RedisEventSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shared_redis_server().ready()); }

  // A subscriber to `endpoint` (by default the shared server) heard by `heard`, started.
  std::unique_ptr<redis::RedisEventSubscriber> subscribe(
      EventRecorder& heard, redis::Endpoint endpoint = endpoint_of(shared_redis_server()),
      redis::SubscriberOptions options = {}) {
    auto subscriber = std::make_unique<redis::RedisEventSubscriber>(endpoint, prefix_, options);
    subscriber->listen(heard.listener());
    subscriber->start();
    return subscriber;
  }
  void publish(const std::string& channel, const std::string& message) {
    shared_redis_server().command({"PUBLISH", channel, message});
  }

  // Checks that the `n`th event `heard` is a resync, and that announcements on `server` are
  // heard again after it.
  void expect_subscribed_again(EventRecorder& heard, std::size_t n,
                               const test_support::RedisServer& server) {
    auto resync = heard.nth(n);
    ASSERT_TRUE(resync) << "not subscribed again";
    EXPECT_EQ(resync->seq, 0);
    server.command({"PUBLISH", prefix_ + "events", "job-9\nbob\n" + std::to_string(n) + "\n{}"});
    auto after = heard.nth(n + 1);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->job_id, "job-9");
    EXPECT_EQ(after->seq, static_cast<int64_t>(n));
  }

  const std::string prefix_ = "test-" + random_hex(6) + ":";
};

TEST_F(RedisEventSubscriberTest, HearsAResyncOnceSubscribedThenTheAnnouncements) {
  EventRecorder heard;
  auto subscriber = subscribe(heard);
  auto first = heard.nth(1);
  ASSERT_TRUE(first) << "no resync: never subscribed";
  EXPECT_EQ(first->seq, 0);
  EXPECT_TRUE(first->job_id.empty());
  EXPECT_TRUE(subscriber->subscribed());

  publish(prefix_ + "events", "job-1\nalice\n1\n{\"type\":\"block.processing\"}");
  publish("other:events", "job-2\nalice\n1\n{}");      // another prefix's channel
  publish(prefix_ + "events", "not an announcement");  // dropped
  publish(prefix_ + "events", "job-1\nalice\n2\n{\"type\":\"job.cancelled\"}");
  auto second = heard.nth(2);
  auto third = heard.nth(3);
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->job_id, "job-1");
  EXPECT_EQ(second->owner, "alice");
  EXPECT_EQ(second->seq, 1);
  EXPECT_EQ(second->body, "{\"type\":\"block.processing\"}");
  EXPECT_EQ(third->seq, 2);
  EXPECT_EQ(heard.size(), 3u);
}

TEST_F(RedisEventSubscriberTest, EveryListenerHearsEachAnnouncement) {
  EventRecorder first;
  EventRecorder second;
  redis::RedisEventSubscriber subscriber(endpoint_of(shared_redis_server()), prefix_);
  subscriber.listen(first.listener());
  subscriber.listen(second.listener());
  subscriber.start();
  ASSERT_TRUE(first.nth(1));
  publish(prefix_ + "events", "job-1\nalice\n1\n{}");
  ASSERT_TRUE(first.nth(2));
  ASSERT_TRUE(second.nth(2));
  EXPECT_EQ(second.nth(2)->job_id, "job-1");
}

TEST_F(RedisEventSubscriberTest, AKilledConnectionIsReopenedAndAnnouncedAsAResync) {
  EventRecorder heard;
  auto subscriber = subscribe(heard);
  ASSERT_TRUE(heard.nth(1));
  publish(prefix_ + "events", "job-1\nalice\n1\n{}");
  ASSERT_TRUE(heard.nth(2));

  // Redis drops the subscriber (as when it restarts, or the client output buffer overflows).
  EXPECT_NE(shared_redis_server().command({"CLIENT", "KILL", "TYPE", "pubsub"}), "0");
  expect_subscribed_again(heard, 3, shared_redis_server());
  EXPECT_TRUE(subscriber->subscribed());
}

TEST_F(RedisEventSubscriberTest, ARestartedServerIsSubscribedToAgain) {
  test_support::RedisServer server;
  ASSERT_TRUE(server.ready());
  EventRecorder heard;
  auto subscriber = subscribe(heard, endpoint_of(server));
  ASSERT_TRUE(heard.nth(1));

  server.stop();
  ASSERT_TRUE(server.restart());
  expect_subscribed_again(heard, 2, server);
}

TEST_F(RedisEventSubscriberTest, AConnectionThatAnswersNothingIsGivenUpOn) {
  test_support::RedisServer server;
  ASSERT_TRUE(server.ready());
  test_support::AnswerLosingProxy proxy(server.port());  // counts the connections made
  ASSERT_TRUE(proxy.ready());
  redis::Endpoint endpoint;
  endpoint.port = proxy.port();
  redis::SubscriberOptions options;
  options.quiet_ping_ms = 200;
  options.connection.connect_timeout_ms = 500;
  EventRecorder heard;
  auto subscriber = subscribe(heard, endpoint, options);
  ASSERT_TRUE(heard.nth(1));
  ASSERT_EQ(proxy.connections(), 1);

  // Redis stops answering without closing anything: the PING goes unanswered, the subscriber
  // gives up on the connection and opens another.
  server.pause();
  const bool given_up = eventually([&] { return proxy.connections() >= 2; });
  server.resume();
  ASSERT_TRUE(given_up) << "the silent connection was kept";
  expect_subscribed_again(heard, 2, server);
}

TEST_F(RedisEventSubscriberTest, AQuietConnectionThatAnswersItsPingsIsKept) {
  test_support::RedisServer server;
  ASSERT_TRUE(server.ready());
  redis::SubscriberOptions options;
  options.quiet_ping_ms = 50;
  EventRecorder heard;
  auto subscriber = subscribe(heard, endpoint_of(server), options);
  ASSERT_TRUE(heard.nth(1));
  // Quiet periods pass, each PING answered: Redis counts the PINGs of the subscriber.
  const auto pings = [&] {
    const std::string stats = server.command({"INFO", "commandstats"});
    const auto at = stats.find("cmdstat_ping:calls=");
    return at == std::string::npos ? 0 : std::stoll(stats.substr(at + 19));
  };
  const int64_t before = pings();
  ASSERT_TRUE(eventually([&] { return pings() >= before + 4; })) << "no PING when quiet";
  server.command({"PUBLISH", prefix_ + "events", "job-1\nalice\n1\n{}"});
  auto event = heard.nth(2);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->job_id, "job-1") << "a resync: the connection was given up on";
}

TEST_F(RedisEventSubscriberTest, StopIsPromptWhileRedisCannotBeReached) {
  redis::Endpoint nowhere;
  nowhere.port = test_support::closed_port();
  EventRecorder heard;
  auto subscriber = subscribe(heard, nowhere);
  const auto started = std::chrono::steady_clock::now();
  subscriber->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_FALSE(subscriber->subscribed());
  EXPECT_EQ(heard.size(), 0u);
  subscriber->start();  // after stop(): stays stopped
  EXPECT_FALSE(subscriber->subscribed());
}

TEST_F(RedisEventSubscriberTest, StopIsPromptWhileWaitingOnASilentServer) {
  test_support::RedisServer server;
  ASSERT_TRUE(server.ready());
  test_support::AnswerLosingProxy proxy(server.port());
  ASSERT_TRUE(proxy.ready());
  redis::Endpoint endpoint;
  endpoint.port = proxy.port();
  server.pause();  // connections are accepted, nothing is answered
  EventRecorder heard;
  auto subscriber = subscribe(heard, endpoint);  // PINGs after 15 s of silence
  const bool connected = eventually([&] { return proxy.connections() >= 1; });
  const auto started = std::chrono::steady_clock::now();
  subscriber->stop();
  const auto took = std::chrono::steady_clock::now() - started;
  server.resume();
  ASSERT_TRUE(connected);
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(heard.size(), 0u);
}

}  // namespace
}  // namespace polyvox
