// The router: which route a method and path reach, with what path parameters, and what is known
// about a path no route of that method serves (405 rather than 404).
#include "api/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_deps.h"
#include "api/docs_assets.h"

namespace polyvox {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  // A route whose handler answers with `tag` as its body, so a test can see which one matched.
  void add(const std::string& method, const std::string& pattern, const std::string& tag) {
    router_.add(method, pattern, [tag](HttpRequest&) {
      HttpResponse res;
      res.body = tag;
      return res;
    });
  }

  RouteMatch match(const std::string& method, const std::string& path) {
    request_ = HttpRequest{};
    request_.method = method;
    request_.path = path;
    return router_.match(request_);
  }

  // The tag of the route `method` `path` reaches, or "" when none does.
  std::string reached(const std::string& method, const std::string& path) {
    const RouteMatch m = match(method, path);
    return m.route ? m.route->handler(request_).body : "";
  }

  MetricsRegistry metrics_;
  Router router_{metrics_};
  HttpRequest request_;
};

TEST_F(RouterTest, LiteralPathReachesItsRoute) {
  add("GET", "/health", "health");
  add("GET", "/ready", "ready");
  EXPECT_EQ(reached("GET", "/health"), "health");
  EXPECT_EQ(reached("GET", "/ready"), "ready");
}

TEST_F(RouterTest, ParametersAreFilledByName) {
  add("GET", "/result/{id}/block/{index}/audio", "block");
  ASSERT_EQ(reached("GET", "/result/job-42/block/7/audio"), "block");
  EXPECT_EQ(request_.param("id"), "job-42");
  EXPECT_EQ(request_.param("index"), "7");
}

TEST_F(RouterTest, ParameterIsOneWholeSegment) {
  add("GET", "/status/{id}", "status");
  EXPECT_EQ(reached("GET", "/status/a"), "status");
  EXPECT_EQ(reached("GET", "/status/a/b"), "");
  EXPECT_EQ(reached("GET", "/status"), "");
}

TEST_F(RouterTest, LiteralSegmentsMustMatchExactly) {
  add("GET", "/result/{id}/audio", "audio");
  EXPECT_EQ(reached("GET", "/result/1/Audio"), "");
  EXPECT_EQ(reached("GET", "/results/1/audio"), "");
}

TEST_F(RouterTest, EmptySegmentsAreIgnored) {
  add("GET", "/result/{id}", "result");
  EXPECT_EQ(reached("GET", "/result/j1/"), "result");
  EXPECT_EQ(reached("GET", "//result//j1"), "result");
  EXPECT_EQ(request_.param("id"), "j1");
}

TEST_F(RouterTest, FirstRegisteredRouteWins) {
  add("GET", "/jobs/{id}", "by-id");
  add("GET", "/jobs/latest", "latest");
  EXPECT_EQ(reached("GET", "/jobs/latest"), "by-id");
  EXPECT_EQ(request_.param("id"), "latest");
}

TEST_F(RouterTest, SameMethodOnALaterRouteIsFoundPastAnotherMethod) {
  add("DELETE", "/jobs/{id}", "delete");
  add("GET", "/jobs/{id}", "get");
  EXPECT_EQ(reached("GET", "/jobs/j1"), "get");
  EXPECT_EQ(reached("DELETE", "/jobs/j1"), "delete");
}

TEST_F(RouterTest, HeadReachesTheGetRoute) {
  add("GET", "/openapi.json", "doc");
  EXPECT_EQ(reached("HEAD", "/openapi.json"), "doc");
}

TEST_F(RouterTest, OnlyHeadFallsBackToGet) {
  add("GET", "/jobs", "list");
  EXPECT_EQ(reached("OPTIONS", "/jobs"), "");
  EXPECT_EQ(reached("get", "/jobs"), "");  // methods are case-sensitive
}

TEST_F(RouterTest, UnknownPathIsNotKnown) {
  add("GET", "/jobs", "list");
  const RouteMatch m = match("GET", "/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_known);
  EXPECT_TRUE(m.allowed_methods.empty());
}

TEST_F(RouterTest, KnownPathWithAnotherMethodListsTheAllowedOnes) {
  add("GET", "/jobs/{id}", "get");
  add("POST", "/tts", "submit");
  add("DELETE", "/jobs/{id}", "delete");
  const RouteMatch m = match("PUT", "/jobs/j1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST_F(RouterTest, ParametersOfARouteThatDidNotMatchAreNotLeftBehind) {
  add("POST", "/jobs/{other}", "post");
  add("GET", "/jobs/{id}", "get");
  ASSERT_EQ(reached("GET", "/jobs/j1"), "get");
  EXPECT_EQ(request_.param("other"), "");
  EXPECT_EQ(request_.path_params.size(), 1u);
}

TEST_F(RouterTest, RouteKeepsItsExecution) {
  router_.add(
      "POST", "/token", [](HttpRequest&) { return HttpResponse{}; }, Execution::kBlocking);
  add("GET", "/health", "health");
  EXPECT_EQ(match("POST", "/token").route->execution, Execution::kBlocking);
  EXPECT_EQ(match("GET", "/health").route->execution, Execution::kInline);
}

TEST_F(RouterTest, RequestsAreCountedByRouteAndStatus) {
  add("GET", "/status/{id}", "status");
  const Route* route = match("GET", "/status/x").route;
  ASSERT_NE(route, nullptr);
  route->requests_by_status(200)->add();
  route->requests_by_status(200)->add();
  route->requests_by_status(404)->add();
  EXPECT_EQ(route->requests_by_status(200)->value(), 2u);
  EXPECT_EQ(route->requests_by_status(404)->value(), 1u);
  EXPECT_EQ(router_.unmatched().requests_by_status(200)->value(), 0u);
  EXPECT_NE(metrics_.render().find(R"(route="/status/{id}",status="200"} 2)"), std::string::npos);
}

// The route groups of the API together serve every operation the OpenAPI document describes,
// with the methods it names (each path parameter replaced by a sample value).
TEST(RouteGroupsTest, EveryDocumentedOperationHasARoute) {
  MetricsRegistry metrics;
  Router router(metrics);
  ApiDeps deps;  // handlers are not run: registration only
  register_routes(router, deps);
  const auto doc = nlohmann::json::parse(openapi_document());
  std::size_t operations = 0;
  for (const auto& [pattern, operations_of_path] : doc.at("paths").items()) {
    std::string path;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '{') {
        path += "sample";
        i = pattern.find('}', i);
      } else {
        path += pattern[i];
      }
    }
    for (const auto& [method, operation] : operations_of_path.items()) {
      if (method == "parameters") continue;
      HttpRequest request;
      request.path = path;
      for (char c : method) request.method.push_back(static_cast<char>(std::toupper(c)));
      EXPECT_NE(router.match(request).route, nullptr) << request.method << " " << pattern;
      ++operations;
    }
  }
  EXPECT_GE(operations, 17u);
}

// Handlers that hash passwords or read or write a store (which may be a remote Redis) must not
// run on an I/O thread.
TEST(RouteGroupsTest, SlowRoutesRunOnTheBlockingPool) {
  MetricsRegistry metrics;
  Router router(metrics);
  ApiDeps deps;
  register_routes(router, deps);
  auto execution_of = [&](const char* method, const char* path) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    const RouteMatch m = router.match(request);
    EXPECT_NE(m.route, nullptr) << method << " " << path;
    return m.route ? m.route->execution : Execution::kInline;
  };
  EXPECT_EQ(execution_of("POST", "/token"), Execution::kBlocking);
  EXPECT_EQ(execution_of("POST", "/tts"), Execution::kBlocking);
  EXPECT_EQ(execution_of("DELETE", "/jobs/j1"), Execution::kBlocking);
  EXPECT_EQ(execution_of("GET", "/result/j1/audio"), Execution::kBlocking);
  EXPECT_EQ(execution_of("GET", "/result/j1/block/0/audio"), Execution::kBlocking);
  EXPECT_EQ(execution_of("GET", "/ready"), Execution::kBlocking);
  EXPECT_EQ(execution_of("POST", "/api-keys"), Execution::kBlocking);
  EXPECT_EQ(execution_of("GET", "/api-keys"), Execution::kBlocking);
  EXPECT_EQ(execution_of("DELETE", "/api-keys/k1"), Execution::kBlocking);
  // Read-only routes whose answers are usually in memory: tried without waiting first.
  for (const char* path :
       {"/status/j1", "/result/j1", "/jobs", "/usage", "/metrics", "/tts/providers"}) {
    EXPECT_EQ(execution_of("GET", path), Execution::kMemoryFirst) << path;
  }
  EXPECT_EQ(execution_of("GET", "/tts/voices/espeak"), Execution::kBlocking);
  EXPECT_EQ(execution_of("GET", "/health"), Execution::kInline);
}

}  // namespace
}  // namespace polyvox
