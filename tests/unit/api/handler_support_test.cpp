// What the route handlers share: who the caller is (bearer token or API key, and which routes a
// key may not use), whether they may see a job
// (by owner id), who may read /metrics (METRICS_TOKEN), the base URL of links, timestamps, and
// whether a body is JSON.
#include "api/handler_support.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "unit/auth/auth_stack.h"

namespace polyvox {
namespace {

using test_support::AuthStack;

HttpRequest with_header(const std::string& name, const std::string& value) {
  HttpRequest request;
  request.headers.emplace_back(name, value);
  return request;
}

class RequireUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_id_ = stack_.add_user("alice", "pw");
    token_ = stack_.token_for("alice", "pw");
    deps_.auth = &stack_.auth();
  }

  Result<User> caller(const std::string& authorization) {
    return require_user(with_header("authorization", authorization), deps_);
  }

  AuthStack stack_;
  ApiDeps deps_;
  std::string alice_id_;
  std::string token_;
};

TEST_F(RequireUserTest, BearerTokenNamesTheCaller) {
  auto user = caller("Bearer " + token_);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->name, "alice");
}

TEST_F(RequireUserTest, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(caller("bearer " + token_).ok());
  EXPECT_TRUE(caller("BEARER " + token_).ok());
}

TEST_F(RequireUserTest, MissingHeaderIsUnauthenticated) {
  auto user = require_user(HttpRequest{}, deps_);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_EQ(user.error().message, "Not authenticated");
}

TEST_F(RequireUserTest, OtherSchemesAndEmptyTokensAreUnauthenticated) {
  for (const std::string& header :
       {std::string("Basic YWxpY2U6cHc="), std::string("Bearer"), std::string("Bearer "),
        std::string("Token ") + token_, token_}) {
    auto user = caller(header);
    ASSERT_FALSE(user.ok()) << header;
    EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
  }
}

TEST_F(RequireUserTest, InvalidTokenSaysWhy) {
  auto user = caller("Bearer " + token_ + "x");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_NE(user.error().message.find("Could not validate credentials"), std::string::npos);
}

TEST_F(RequireUserTest, ApiKeyNamesItsUser) {
  const std::string key = stack_.key_for(alice_id_);
  EXPECT_EQ(credential_kind(with_header("authorization", "Bearer " + key)),
            CredentialKind::kApiKey);
  EXPECT_EQ(credential_kind(with_header("authorization", "Bearer " + token_)),
            CredentialKind::kJwt);
  auto user = caller("Bearer " + key);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->name, "alice");
  auto unknown = caller("Bearer " + key.substr(0, 46) + (key.back() == 'A' ? "B" : "A"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kUnauthenticated);
}

TEST_F(RequireUserTest, RoutesForTokensOnlyRefuseApiKeys) {
  const std::string key = stack_.key_for(alice_id_);
  auto refused = require_token_user(with_header("authorization", "Bearer " + key), deps_,
                                    "API key management");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(refused.error().message,
            "API key management needs a token from /token; API keys may not use it");
  auto token = require_token_user(with_header("authorization", "Bearer " + token_), deps_,
                                  "API key management");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->name, "alice");
  auto none = require_token_user(HttpRequest{}, deps_, "API key management");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kUnauthenticated);
}

// A request of `method` carrying alice's session cookie among others, and `csrf` when given.
class SessionCookieTest : public RequireUserTest {
 protected:
  void SetUp() override {
    RequireUserTest::SetUp();
    deps_.sessions = &stack_.sessions();
    secret_ = stack_.session_for("alice");
  }

  HttpRequest with_cookie(const std::string& method, const std::string& csrf = "") {
    HttpRequest request;
    request.method = method;
    request.headers.emplace_back("cookie", "theme=dark; polyvox_session=" + secret_ + "; x=1");
    if (!csrf.empty()) request.headers.emplace_back("x-csrf-token", csrf);
    return request;
  }

  std::string secret_;
};

TEST_F(SessionCookieTest, CookieIsFoundAmongOthers) {
  HttpRequest request = with_cookie("GET");
  request.headers.emplace_back("cookie", "later=2");
  EXPECT_EQ(cookie_value(request, "polyvox_session"), secret_);
  EXPECT_EQ(cookie_value(request, "theme"), "dark");
  EXPECT_EQ(cookie_value(request, "later"), "2");
  EXPECT_EQ(cookie_value(request, "polyvox"), std::nullopt);
  EXPECT_EQ(credential_kind(request), CredentialKind::kSession);
  EXPECT_EQ(credential_kind(with_header("cookie", "theme=dark")), CredentialKind::kNone);
}

TEST_F(SessionCookieTest, ReadsNeedNoCsrfToken) {
  for (const char* method : {"GET", "HEAD"}) {
    auto user = require_user(with_cookie(method), deps_);
    ASSERT_TRUE(user.ok()) << method << ": " << user.error().message;
    EXPECT_EQ(user->id, alice_id_);
  }
}

TEST_F(SessionCookieTest, EveryOtherMethodNeedsTheSessionsCsrfToken) {
  const std::string csrf = SessionService::csrf_token(secret_);
  const std::string other = SessionService::csrf_token(stack_.session_for("alice"));
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    for (const std::string& wrong : {std::string(), other, csrf + "0"}) {
      auto refused = require_user(with_cookie(method, wrong), deps_);
      ASSERT_FALSE(refused.ok()) << method;
      EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden);
      EXPECT_NE(refused.error().message.find("X-CSRF-Token"), std::string::npos);
    }
    auto user = require_user(with_cookie(method, csrf), deps_);
    ASSERT_TRUE(user.ok()) << method << ": " << user.error().message;
    EXPECT_EQ(user->name, "alice");
  }
}

TEST_F(SessionCookieTest, BearerCredentialWinsOverTheCookie) {
  HttpRequest request = with_cookie("POST");  // no CSRF token: a bearer needs none
  request.headers.emplace_back("authorization", "Bearer " + token_);
  EXPECT_EQ(credential_kind(request), CredentialKind::kJwt);
  EXPECT_TRUE(require_user(request, deps_).ok());
  request.headers.back().second = "Bearer " + token_ + "x";
  EXPECT_FALSE(require_user(request, deps_).ok());  // not the cookie's user as a fallback
}

TEST_F(SessionCookieTest, EndedSessionOrNoSessionServiceIsUnauthenticated) {
  ASSERT_TRUE(stack_.sessions().end(secret_).ok());
  auto ended = require_user(with_cookie("GET"), deps_);
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().kind, ErrorKind::kUnauthenticated);
  deps_.sessions = nullptr;
  secret_ = stack_.session_for("alice");
  auto ignored = require_user(with_cookie("GET"), deps_);
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.error().kind, ErrorKind::kUnauthenticated);
}

class JobForTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deps_.jobs = &stack_.jobs();
    alice_ = *(*stack_.users().find_user_by_id(stack_.add_user("alice", "alice-password")));
    NewJob job;
    job.id = new_uuid4();
    job.owner = alice_.id;
    job.owner_name = alice_.name;
    BlockSpec block;
    block.text = "hello";
    block.provider = "espeak";
    job.spec.blocks.push_back(block);
    ASSERT_TRUE(stack_.jobs().create_job(job).ok());
    id_ = job.id;
  }

  AuthStack stack_;
  ApiDeps deps_;
  User alice_;
  std::string id_;
};

TEST_F(JobForTest, OwnerSeesTheJob) {
  auto job = job_for(id_, alice_, /*with_blocks=*/true, deps_);
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->id, id_);
  EXPECT_EQ(job->owner, alice_.id);
  EXPECT_EQ(job->owner_name, "alice");
  EXPECT_EQ(job->blocks.size(), 1u);
}

TEST_F(JobForTest, AdminSeesEveryonesJob) {
  auto job = job_for(id_, User{new_uuid4(), "root", "", /*admin=*/true}, false, deps_);
  ASSERT_TRUE(job.ok());
  EXPECT_TRUE(job->blocks.empty());
}

TEST_F(JobForTest, AnotherUserIsForbidden) {
  auto job = job_for(id_, User{new_uuid4(), "mallory"}, false, deps_);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().kind, ErrorKind::kForbidden);
}

TEST_F(JobForTest, UserAddedAgainUnderTheOwnersNameIsForbidden) {
  // Ownership is by id: the name alone does not give the job to whoever holds it now.
  ASSERT_TRUE(stack_.users().remove_user("alice").ok());
  const std::string new_id = stack_.add_user("alice", "alice-password");
  auto again = stack_.users().find_user_by_id(new_id);
  ASSERT_TRUE(again.ok() && again->has_value());
  auto job = job_for(id_, **again, false, deps_);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().kind, ErrorKind::kForbidden);
}

TEST_F(JobForTest, UnknownJobIsNotFound) {
  auto job = job_for(new_uuid4(), alice_, false, deps_);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(job.error().message, "Job not found");
}

class MetricsAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.add_user("alice", "alice-password");
    stack_.add_user("root", "root-password", /*admin=*/true);
    deps_.auth = &stack_.auth();
  }

  Status access(const std::string& authorization) {
    return require_metrics_access(
        authorization.empty() ? HttpRequest{} : with_header("authorization", authorization), deps_);
  }

  AuthStack stack_;
  ApiDeps deps_;
};

TEST_F(MetricsAccessTest, OpenWhenNoMetricsTokenIsConfigured) {
  EXPECT_TRUE(access("").ok());
  EXPECT_TRUE(access("Bearer anything").ok());
}

TEST_F(MetricsAccessTest, MetricsTokenOrAnAdminsJwtWhenConfigured) {
  deps_.settings.metrics_token = "scrape-token-of-the-monitoring";
  EXPECT_TRUE(access("Bearer scrape-token-of-the-monitoring").ok());
  EXPECT_TRUE(access("bearer scrape-token-of-the-monitoring").ok());
  EXPECT_TRUE(access("Bearer " + stack_.token_for("root", "root-password")).ok());
}

TEST_F(MetricsAccessTest, AnAdminsApiKeyToo) {
  deps_.settings.metrics_token = "scrape-token-of-the-monitoring";
  const auto root = stack_.users().find_user("root");
  const auto alice = stack_.users().find_user("alice");
  EXPECT_TRUE(access("Bearer " + stack_.key_for((*root)->id)).ok());
  Status user = access("Bearer " + stack_.key_for((*alice)->id));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kForbidden);
}

TEST_F(MetricsAccessTest, EverythingElseIsRefusedWhenConfigured) {
  deps_.settings.metrics_token = "scrape-token-of-the-monitoring";
  for (const std::string& header :
       {std::string(), std::string("Bearer scrape-token-of-the-monitorin"),
        std::string("Bearer scrape-token-of-the-monitoringg"), std::string("Bearer "),
        std::string("Basic c2NyYXBlOg=="), std::string("scrape-token-of-the-monitoring")}) {
    Status s = access(header);
    ASSERT_FALSE(s.ok()) << header;
    EXPECT_EQ(s.error().kind, ErrorKind::kUnauthenticated) << header;
  }
  Status user = access("Bearer " + stack_.token_for("alice", "alice-password"));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kForbidden);
}

TEST(BaseUrlTest, PublicBaseUrlWins) {
  ApiDeps deps;
  deps.settings.public_base_url = "https://tts.example.com";
  EXPECT_EQ(base_url(with_header("host", "internal:8000"), deps), "https://tts.example.com");
}

TEST(BaseUrlTest, HostHeaderOtherwise) {
  const ApiDeps deps;
  EXPECT_EQ(base_url(with_header("host", "api.example.com:8080"), deps),
            "http://api.example.com:8080");
  EXPECT_EQ(base_url(with_header("host", "[::1]:8000"), deps), "http://[::1]:8000");
}

TEST(BaseUrlTest, UnsafeOrMissingHostIsLocalhost) {
  const ApiDeps deps;
  EXPECT_EQ(base_url(HttpRequest{}, deps), "http://localhost");
  for (const std::string& host : {std::string("evil.com/phish?x="), std::string("a b"),
                                  std::string("x\r\nSet-Cookie: a=b"), std::string(256, 'a')}) {
    EXPECT_EQ(base_url(with_header("host", host), deps), "http://localhost") << host;
  }
}

TEST(Iso8601Test, UtcWithMilliseconds) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(iso8601(951'782'400'007), "2000-02-29T00:00:00.007Z");
}

TEST(IsJsonContentTest, JsonMediaTypesWithAnyParameters) {
  for (const char* type : {"application/json", "Application/JSON; charset=utf-8",
                           "application/json ; charset=utf-8", "application/problem+json"}) {
    EXPECT_TRUE(is_json_content(with_header("content-type", type))) << type;
  }
}

TEST(IsJsonContentTest, OtherMediaTypesAreNot) {
  EXPECT_FALSE(is_json_content(HttpRequest{}));
  for (const char* type :
       {"text/plain", "application/jsonx", "application/x-www-form-urlencoded", "+json", "json"}) {
    EXPECT_FALSE(is_json_content(with_header("content-type", type))) << type;
  }
}

}  // namespace
}  // namespace polyvox
