// The standard middleware on their own: the order of the chain, the request id, routing's
// answers, per-route metrics (a live response counts the time to its head, not how long it
// stayed open).
#include "api/middleware.h"

#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/metrics_middleware.h"
#include "api/request_id_middleware.h"
#include "api/routing_middleware.h"

namespace polyvox {
namespace {

class Recorder : public Middleware {
 public:
  Recorder(std::string name, std::vector<std::string>& log, bool answers = false)
      : name_(std::move(name)), log_(log), answers_(answers) {}
  void before(Exchange& e) override {
    log_.push_back("before " + name_);
    if (answers_) e.answered = true;
  }
  void respond(Exchange&) override { log_.push_back("respond " + name_); }
  void after(const Exchange&) override { log_.push_back("after " + name_); }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  bool answers_;
};

TEST(MiddlewareChainTest, BeforeInOrderUntilOneAnswersThenRespondAndAfterInReverse) {
  std::vector<std::string> log;
  MiddlewareChain chain({std::make_shared<Recorder>("a", log),
                         std::make_shared<Recorder>("b", log, true),
                         std::make_shared<Recorder>("c", log)});
  Exchange e;
  chain.before(e);
  chain.respond(e);
  chain.after(e);
  EXPECT_EQ(log, (std::vector<std::string>{"before a", "before b", "respond c", "respond b",
                                           "respond a", "after c", "after b", "after a"}));
}

class StandardMiddlewareTest : public ::testing::Test {
 protected:
  StandardMiddlewareTest() {
    router_.add("GET", "/items/{id}", [](HttpRequest&) { return json_response(200, "{}"); });
    router_.add("DELETE", "/items/{id}", [](HttpRequest&) { return json_response(200, "{}"); });
  }
  Exchange exchange_for(const std::string& method, const std::string& path) {
    Exchange e;
    e.request.method = method;
    e.request.path = path;
    return e;
  }
  MetricsRegistry metrics_;
  Router router_{metrics_};
};

TEST_F(StandardMiddlewareTest, RoutingChoosesTheRouteOrAnswers) {
  RoutingMiddleware routing(router_);
  Exchange found = exchange_for("GET", "/items/7");
  routing.before(found);
  EXPECT_FALSE(found.answered);
  ASSERT_NE(found.route, nullptr);
  EXPECT_EQ(found.route->pattern, "/items/{id}");
  EXPECT_EQ(found.request.param("id"), "7");

  Exchange wrong_method = exchange_for("PUT", "/items/7");
  routing.before(wrong_method);
  EXPECT_TRUE(wrong_method.answered);
  EXPECT_EQ(wrong_method.response.status, 405);
  EXPECT_EQ(wrong_method.route, &router_.unmatched());

  Exchange unknown = exchange_for("GET", "/nothing");
  routing.before(unknown);
  EXPECT_EQ(unknown.response.status, 404);

  Exchange malformed = exchange_for("GET", "/items/7");
  malformed.well_formed = false;
  routing.before(malformed);
  EXPECT_EQ(malformed.response.status, 400);
}

TEST_F(StandardMiddlewareTest, RequestIdIsKeptWhenSafeAndAnsweredBack) {
  RequestIdMiddleware ids;
  Exchange e = exchange_for("GET", "/items/1");
  e.request.headers.emplace_back("x-request-id", "abc-123");
  ids.before(e);
  ids.respond(e);
  EXPECT_EQ(e.request.request_id, "abc-123");
  ASSERT_EQ(e.response.headers.size(), 1u);
  EXPECT_EQ(e.response.headers[0],
            (std::pair<std::string, std::string>{"X-Request-ID", "abc-123"}));

  Exchange unsafe = exchange_for("GET", "/items/1");
  unsafe.request.headers.emplace_back("x-request-id", "bad id\n");
  ids.before(unsafe);
  EXPECT_FALSE(unsafe.request.request_id.empty());
  EXPECT_NE(unsafe.request.request_id, "bad id\n");
}

class NeverBody : public LiveBody {
 public:
  void next(Deliver) override {}
};

TEST_F(StandardMiddlewareTest, MetricsCountALiveResponseUntilItsHead) {
  RoutingMiddleware routing(router_);
  MetricsMiddleware metrics;
  Exchange e = exchange_for("GET", "/items/1");
  routing.before(e);
  ASSERT_NE(e.route, nullptr);
  e.response.live = std::make_shared<NeverBody>();
  e.head_seconds = 0.002;
  e.total_seconds = 3600;  // an hour-long event stream
  metrics.after(e);
  EXPECT_EQ(e.route->latency->count(), 1u);
  EXPECT_NEAR(e.route->latency->sum(), 0.002, 1e-6);

  Exchange plain = exchange_for("GET", "/items/2");
  routing.before(plain);
  plain.head_seconds = 0.001;
  plain.total_seconds = 0.5;  // a large download: its whole time counts
  metrics.after(plain);
  EXPECT_EQ(plain.route->latency->count(), 2u);
  EXPECT_NEAR(plain.route->latency->sum(), 0.502, 1e-6);
  EXPECT_EQ(plain.route->requests_by_status(200)->value(), 2u);
}

}  // namespace
}  // namespace polyvox
