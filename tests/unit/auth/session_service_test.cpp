// Studio sessions: begun for a user, recognized by their secret with a CSRF token of their own,
// and refused once ended, expired, their user removed or the user's password changed; sessions
// verified within the cache's age are not read again, and a logout on this node still refuses
// the session at once.
#include "auth/session_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "auth/api_key_secret.h"
#include "unit/auth/auth_stack.h"

namespace polyvox {
namespace {

using test_support::AuthStack;

class SessionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { alice_id_ = stack_.add_user("alice", "alice-password"); }

  void expect_refused(const std::string& secret, const std::string& why) {
    auto grant = stack_.sessions().authenticate(secret);
    ASSERT_FALSE(grant.ok()) << why;
    EXPECT_EQ(grant.error().kind, ErrorKind::kUnauthenticated) << why;
    EXPECT_NE(grant.error().message.find(why), std::string::npos) << grant.error().message;
  }

  AuthStack stack_;
  std::string alice_id_;
};

TEST_F(SessionServiceTest, BegunSessionNamesItsUserWithItsCsrfToken) {
  auto user = stack_.users().find_user("alice");
  ASSERT_TRUE(user.ok() && user->has_value());
  auto issued = stack_.sessions().begin(**user);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_TRUE(is_random_secret_form(issued->secret, kSessionSecretPrefix)) << issued->secret;
  EXPECT_EQ(issued->grant.user.id, alice_id_);
  EXPECT_EQ(issued->grant.expires_at_ms, stack_.clock().now_ms() + SessionOptions{}.lifetime_ms);
  auto grant = stack_.sessions().authenticate(issued->secret);
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  EXPECT_EQ(grant->user.name, "alice");
  EXPECT_EQ(grant->csrf_token, issued->grant.csrf_token);
  EXPECT_EQ(grant->csrf_token.size(), 64u);
  EXPECT_EQ(grant->csrf_token.find(issued->secret), std::string::npos);
}

TEST_F(SessionServiceTest, EachSessionHasItsOwnSecretAndCsrfToken) {
  const std::string first = stack_.session_for("alice");
  const std::string second = stack_.session_for("alice");
  EXPECT_NE(first, second);
  EXPECT_NE(SessionService::csrf_token(first), SessionService::csrf_token(second));
}

TEST_F(SessionServiceTest, EndedSessionIsRefusedAndEndingAgainIsFine) {
  const std::string ended = stack_.session_for("alice");
  const std::string other = stack_.session_for("alice");
  ASSERT_TRUE(stack_.sessions().end(ended).ok());
  expect_refused(ended, "signed out");
  EXPECT_TRUE(stack_.sessions().authenticate(other).ok());  // only that session ends
  EXPECT_TRUE(stack_.sessions().end(ended).ok());
  EXPECT_TRUE(stack_.sessions().end("not a session").ok());
}

TEST_F(SessionServiceTest, ExpiredSessionIsRefused) {
  const std::string secret = stack_.session_for("alice");
  stack_.clock().advance_ms(SessionOptions{}.lifetime_ms - 1);
  EXPECT_TRUE(stack_.sessions().authenticate(secret).ok());
  stack_.clock().advance_ms(1);
  expect_refused(secret, "expired");
}

TEST_F(SessionServiceTest, PasswordChangeRevokesEverySessionOfTheUser) {
  const std::string secret = stack_.session_for("alice");
  stack_.change_password("alice", "alice-password-2");
  expect_refused(secret, "password changed");
  EXPECT_TRUE(stack_.sessions().authenticate(stack_.session_for("alice")).ok());
}

TEST_F(SessionServiceTest, RemovedUsersSessionIsRefusedEvenWhenTheNameReturns) {
  const std::string secret = stack_.session_for("alice");
  ASSERT_TRUE(stack_.users().remove_user("alice").ok());
  expect_refused(secret, "signed out or unknown");  // the store deleted it with its user
  stack_.add_user("alice", "alice-password");
  expect_refused(secret, "signed out or unknown");
}

TEST_F(SessionServiceTest, MalformedOrForeignSecretsAreRefusedWithoutALookup) {
  for (const std::string& text :
       {std::string(), std::string("pvs_short"), new_random_secret("pvx_"),
        std::string("pvs_") + std::string(43, '!'), new_random_secret(kSessionSecretPrefix)}) {
    auto grant = stack_.sessions().authenticate(text);
    ASSERT_FALSE(grant.ok()) << text;
    EXPECT_EQ(grant.error().kind, ErrorKind::kUnauthenticated);
  }
}

TEST_F(SessionServiceTest, CheckCredentialsIsThrottledAsLogin) {
  auto user = stack_.auth().check_credentials("alice", "alice-password", "192.0.2.1");
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->id, alice_id_);
  auto wrong = stack_.auth().check_credentials("alice", "wrong", "192.0.2.1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kUnauthenticated);
  Result<User> last = wrong;
  for (int i = 0; i < 30 && (last.ok() || last.error().kind != ErrorKind::kRateLimited); ++i) {
    last = stack_.auth().check_credentials("alice", "wrong", "192.0.2.1");
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().kind, ErrorKind::kRateLimited);
  // login() shares the throttle: the same name and address wait too.
  auto token = stack_.auth().login("alice", "alice-password", "192.0.2.1");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().kind, ErrorKind::kRateLimited);
}

// A SessionStore that counts the reads it passes on.
class CountingSessionStore : public SessionStore {
 public:
  explicit CountingSessionStore(SessionStore& inner) : inner_(inner) {}
  Status add_session(const Session& session) override { return inner_.add_session(session); }
  Result<std::optional<Session>> find_session(const std::string& hash) override {
    ++finds;
    return inner_.find_session(hash);
  }
  Status remove_session(const std::string& hash) override { return inner_.remove_session(hash); }
  int finds = 0;

 private:
  SessionStore& inner_;
};

class CachedSessionTest : public SessionServiceTest {
 protected:
  static constexpr int64_t kMaxAgeMs = 1000;

  void SetUp() override {
    SessionServiceTest::SetUp();
    SessionOptions options;
    options.cache_max_age_ms = kMaxAgeMs;
    options.cache_entries = 4;
    service_ = std::make_unique<SessionService>(store_, stack_.users(), stack_.clock(), options);
  }

  std::string begin_session() {
    auto user = stack_.users().find_user("alice");
    EXPECT_TRUE(user.ok() && user->has_value());
    auto issued = service_->begin(**user);
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->secret : "";
  }

  CountingSessionStore store_{stack_.session_store()};
  std::unique_ptr<SessionService> service_;
};

TEST_F(CachedSessionTest, SessionVerifiedWithinTheMaxAgeIsNotReadAgain) {
  const std::string secret = begin_session();
  for (int i = 0; i < 5; ++i) {
    auto grant = service_->authenticate(secret);
    ASSERT_TRUE(grant.ok()) << grant.error().message;
    EXPECT_EQ(grant->user.id, alice_id_);
    EXPECT_EQ(grant->csrf_token, SessionService::csrf_token(secret));
    stack_.clock().advance_ms(kMaxAgeMs / 5 - 1);
  }
  EXPECT_EQ(store_.finds, 1);
  stack_.clock().advance_ms(kMaxAgeMs);
  EXPECT_TRUE(service_->authenticate(secret).ok());
  EXPECT_EQ(store_.finds, 2);
}

TEST_F(CachedSessionTest, LogoutOnThisNodeIsRefusedAtOnce) {
  const std::string secret = begin_session();
  const std::string other = begin_session();
  ASSERT_TRUE(service_->authenticate(secret).ok());
  ASSERT_TRUE(service_->authenticate(other).ok());
  ASSERT_TRUE(service_->end(secret).ok());
  auto grant = service_->authenticate(secret);  // no time passed: the entry was erased
  ASSERT_FALSE(grant.ok());
  EXPECT_NE(grant.error().message.find("signed out"), std::string::npos);
  EXPECT_TRUE(service_->authenticate(other).ok());
}

TEST_F(CachedSessionTest, LogoutOnAnotherNodeIsRefusedWithinTheMaxAge) {
  const std::string secret = begin_session();
  ASSERT_TRUE(service_->authenticate(secret).ok());
  SessionService other_node(stack_.session_store(), stack_.users(), stack_.clock());
  ASSERT_TRUE(other_node.end(secret).ok());
  EXPECT_TRUE(service_->authenticate(secret).ok());  // this node's entry is still fresh
  stack_.clock().advance_ms(kMaxAgeMs);
  EXPECT_FALSE(service_->authenticate(secret).ok());
}

// The user is read on every use (the user store's own cache decides how fresh it is): a cached
// session does not outlive its user's password.
TEST_F(CachedSessionTest, PasswordChangeIsRefusedAsSoonAsTheUserStoreTellsIt) {
  const std::string secret = begin_session();
  ASSERT_TRUE(service_->authenticate(secret).ok());
  stack_.change_password("alice", "alice-password-2");  // through this process's store
  auto grant = service_->authenticate(secret);
  ASSERT_FALSE(grant.ok());
  EXPECT_NE(grant.error().message.find("password changed"), std::string::npos);
}

TEST_F(CachedSessionTest, ExpiryIsCheckedOnEveryUseEvenFromTheCache) {
  const std::string secret = begin_session();
  stack_.clock().advance_ms(SessionOptions{}.lifetime_ms - 1);
  ASSERT_TRUE(service_->authenticate(secret).ok());
  stack_.clock().advance_ms(1);
  auto grant = service_->authenticate(secret);
  ASSERT_FALSE(grant.ok());
  EXPECT_NE(grant.error().message.find("expired"), std::string::npos);
  EXPECT_EQ(store_.finds, 1);
}

TEST_F(CachedSessionTest, TheCacheHoldsAtMostItsEntries) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(service_->authenticate(begin_session()).ok());
    EXPECT_LE(service_->cached_sessions(), 4u);
  }
  EXPECT_GE(service_->cached_sessions(), 1u);
}

}  // namespace
}  // namespace polyvox
