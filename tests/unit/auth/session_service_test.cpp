// Studio sessions: begun for a user, recognized by their secret with a CSRF token of their own,
// and refused once ended, expired, their user removed or the user's password changed.
#include "auth/session_service.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace polyvox
