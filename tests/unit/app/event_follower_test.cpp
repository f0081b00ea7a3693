#include "app/event_follower.h"

#include <gtest/gtest.h>

#include "support/closed_port.h"
#include "support/scripted_http_server.h"

namespace polyvox {
namespace {

using std::chrono::milliseconds;
using test_support::ScriptedHttpServer;

// Options whose waits are short, except the first delay: a reconnection that must happen at
// once shows by not taking it.
FollowOptions quick_options() {
  FollowOptions options;
  options.max_failed_reconnects = 3;
  options.first_delay = milliseconds(5000);
  options.max_delay = milliseconds(40);
  options.idle_timeout = milliseconds(5000);
  return options;
}

// The value of `header` in a request head, or "" when absent.
std::string header_of(const std::string& head, const std::string& header) {
  const std::string key = "\r\n" + header + ": ";
  const std::size_t at = head.find(key);
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size();
  return head.substr(start, head.find("\r\n", start) - start);
}

struct Followed {
  Status status;
  std::vector<http::SseEvent> events;
  std::vector<int> notices;  // attempt numbers
  milliseconds elapsed{0};
};

Followed follow(const ScriptedHttpServer& server, const FollowOptions& options) {
  ApiClient api(server.url(), nullptr);
  api.set_token("scripted-token");
  Followed out;
  const auto start = std::chrono::steady_clock::now();
  out.status = follow_job_events(
      api, "job-1",
      [&](const http::SseEvent& event) {
        out.events.push_back(event);
        return event.type == "job.completed";
      },
      [&](const std::string&, milliseconds, int attempt) { out.notices.push_back(attempt); },
      options, nullptr);
  out.elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  return out;
}

TEST(EventFollowerTest, RetryZeroReconnectsAtOnceWithTheLastEventId) {
  ScriptedHttpServer server({
      ScriptedHttpServer::event_stream("id: 1\nevent: snapshot\ndata: {}\n\n"
                                       "id: 2\nevent: block.done\ndata: {}\n\nretry: 0\n\n"),
      ScriptedHttpServer::event_stream("id: 3\nevent: job.completed\ndata: {}\n\n"),
  });
  const Followed followed = follow(server, quick_options());
  ASSERT_TRUE(followed.status.ok()) << followed.status.error().message;
  ASSERT_EQ(followed.events.size(), 3u);
  EXPECT_EQ(followed.events[2].type, "job.completed");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("GET /jobs/job-1/events HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_EQ(header_of(requests[0], "Last-Event-ID"), "");
  EXPECT_EQ(header_of(requests[1], "Last-Event-ID"), "2");
  EXPECT_EQ(header_of(requests[1], "Authorization"), "Bearer scripted-token");
  EXPECT_EQ(header_of(requests[1], "Accept"), "text/event-stream");
  EXPECT_EQ(followed.notices, std::vector<int>{1});
  EXPECT_LT(followed.elapsed, milliseconds(2000));  // first_delay (5 s) was not waited
}

TEST(EventFollowerTest, WaitsTheServersRetryTimeBeforeReconnecting) {
  ScriptedHttpServer server({
      ScriptedHttpServer::event_stream("retry: 300\nid: 1\nevent: snapshot\ndata: {}\n\n"),
      ScriptedHttpServer::event_stream("id: 2\nevent: job.completed\ndata: {}\n\n"),
  });
  const Followed followed = follow(server, quick_options());
  ASSERT_TRUE(followed.status.ok()) << followed.status.error().message;
  EXPECT_GE(followed.elapsed, milliseconds(300));
  EXPECT_LT(followed.elapsed, milliseconds(2000));
  EXPECT_EQ(header_of(server.requests()[1], "Last-Event-ID"), "1");
}

TEST(EventFollowerTest, GivesUpAfterTheBoundOfFailedReconnections) {
  const std::string unavailable = ScriptedHttpServer::json(
      503, R"({"error": {"code": "UNAVAILABLE", "message": "store down"}})");
  ScriptedHttpServer server({
      ScriptedHttpServer::event_stream("retry: 10\nid: 1\nevent: snapshot\ndata: {}\n\n"),
      unavailable,
  });
  const Followed followed = follow(server, quick_options());
  ASSERT_FALSE(followed.status.ok());
  EXPECT_EQ(followed.status.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(followed.status.error().message.find("gave up after 3 failed reconnections"),
            std::string::npos)
      << followed.status.error().message;
  EXPECT_NE(followed.status.error().message.find("store down"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 4u);  // the stream, then three reconnections
  EXPECT_EQ(followed.notices, (std::vector<int>{1, 2, 3}));
  // Each reconnection still names the last event seen.
  EXPECT_EQ(header_of(server.requests()[3], "Last-Event-ID"), "1");
}

TEST(EventFollowerTest, AConnectionThatDeliversEventsStartsTheCountAgain) {
  const std::string unavailable = ScriptedHttpServer::json(503, "{}");
  ScriptedHttpServer server({
      ScriptedHttpServer::event_stream("retry: 1\n\n"),
      unavailable,
      unavailable,
      ScriptedHttpServer::event_stream("id: 1\nevent: snapshot\ndata: {}\n\n"),
      unavailable,
      unavailable,
      ScriptedHttpServer::event_stream("id: 2\nevent: job.completed\ndata: {}\n\n"),
  });
  const Followed followed = follow(server, quick_options());
  ASSERT_TRUE(followed.status.ok()) << followed.status.error().message;
  EXPECT_EQ(followed.notices, (std::vector<int>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(server.requests().size(), 7u);
}

TEST(EventFollowerTest, ARefusalThatReconnectingCannotMendEndsAtOnce) {
  ScriptedHttpServer server({ScriptedHttpServer::json(
      404, R"({"error": {"code": "JOB_NOT_FOUND", "message": "no such job"}})")});
  const Followed followed = follow(server, quick_options());
  ASSERT_FALSE(followed.status.ok());
  EXPECT_EQ(followed.status.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(followed.status.error().message.find("no such job (JOB_NOT_FOUND)"), std::string::npos)
      << followed.status.error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(EventFollowerTest, AnUnreachableServerIsRetriedThenGivenUp) {
  ApiClient api("http://127.0.0.1:" + std::to_string(test_support::closed_port()), nullptr);
  FollowOptions options = quick_options();
  options.first_delay = milliseconds(10);
  int notices = 0;
  Status status = follow_job_events(
      api, "job-1", [](const http::SseEvent&) { return true; },
      [&](const std::string& why, milliseconds, int) { ++notices; }, options, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("gave up after 3"), std::string::npos);
  EXPECT_EQ(notices, 3);
}

TEST(EventFollowerTest, CancellingEndsTheWaitBeforeAReconnection) {
  ScriptedHttpServer server({ScriptedHttpServer::event_stream("retry: 60000\n\n")});
  ApiClient api(server.url(), nullptr);
  CancelToken cancel;
  const auto start = std::chrono::steady_clock::now();
  Status status = follow_job_events(
      api, "job-1", [](const http::SseEvent&) { return false; },
      [&](const std::string&, milliseconds wait, int) {
        EXPECT_EQ(wait, milliseconds(60000));
        cancel.cancel();
      },
      quick_options(), &cancel);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace polyvox
