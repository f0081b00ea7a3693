// Logging in and recognizing callers against the SQLite user store: tokens for valid
// credentials, one answer for every wrong one, throttling, expiry, password changes, removed
// users (and their names taken again), and the first administrator.
#include "auth/auth_service.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "unit/auth/auth_stack.h"

namespace polyvox {
namespace {

using test_support::AuthStack;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { alice_id_ = stack_.add_user("alice", "correct horse"); }

  AuthStack stack_;
  std::string alice_id_;
  AuthService& auth_ = stack_.auth();
};

TEST_F(AuthServiceTest, RightPasswordGetsATokenThatNamesTheUser) {
  auto token = auth_.login("alice", "correct horse", "10.0.0.1");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->expires_in_s, 1800);
  auto user = auth_.authenticate(token->access_token);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->name, "alice");
  EXPECT_EQ(user->id, alice_id_);
  EXPECT_FALSE(user->admin);
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  auto wrong = auth_.login("alice", "battery staple", "10.0.0.1");
  auto unknown = auth_.login("mallory", "correct horse", "10.0.0.1");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  EXPECT_EQ(wrong.error().message, "Incorrect username or password");
}

TEST_F(AuthServiceTest, RepeatedFailuresAreRateLimitedEvenForTheRightPassword) {
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(auth_.login("alice", "guess", "10.0.0.1").ok());
  auto locked = auth_.login("alice", "correct horse", "10.0.0.1");
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(locked.error().retry_after_s, 1);
  stack_.clock().advance_ms(1000);
  EXPECT_TRUE(auth_.login("alice", "correct horse", "10.0.0.1").ok());
}

TEST_F(AuthServiceTest, AnotherAddressIsNotLockedOutByOnesFailures) {
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(auth_.login("alice", "guess", "10.0.0.1").ok());
  EXPECT_TRUE(auth_.login("alice", "correct horse", "10.0.0.2").ok());
}

TEST_F(AuthServiceTest, SuccessfulLoginForgivesEarlierTypos) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(auth_.login("alice", "typo", "10.0.0.1").ok());
  ASSERT_TRUE(auth_.login("alice", "correct horse", "10.0.0.1").ok());
  ASSERT_FALSE(auth_.login("alice", "typo", "10.0.0.1").ok());
  EXPECT_TRUE(auth_.login("alice", "correct horse", "10.0.0.1").ok());
}

TEST_F(AuthServiceTest, TokenStopsWorkingWhenItExpires) {
  const std::string token = stack_.token_for("alice", "correct horse");
  ASSERT_TRUE(auth_.authenticate(token).ok());  // verified once: cached from now on
  stack_.clock().advance_ms(1799 * 1000);
  ASSERT_TRUE(auth_.authenticate(token).ok());
  stack_.clock().advance_ms(1000);
  auto expired = auth_.authenticate(token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(AuthServiceTest, TokenLifetimeIsConfigurable) {
  AuthOptions options = AuthStack::cheap_options();
  options.token_lifetime_s = 60;
  AuthStack short_lived(options);
  short_lived.add_user("bob", "pw");
  auto token = short_lived.auth().login("bob", "pw", "127.0.0.1");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->expires_in_s, 60);
  short_lived.clock().advance_ms(60 * 1000);
  EXPECT_FALSE(short_lived.auth().authenticate(token->access_token).ok());
}

TEST_F(AuthServiceTest, TokenOfARemovedUserStopsWorking) {
  const std::string token = stack_.token_for("alice", "correct horse");
  ASSERT_TRUE(auth_.authenticate(token).ok());
  ASSERT_TRUE(stack_.users().remove_user("alice").ok());
  auto gone = auth_.authenticate(token);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_NE(gone.error().message.find("unknown user"), std::string::npos);
}

TEST_F(AuthServiceTest, TokenStopsWorkingWhenThePasswordChanges) {
  const std::string token = stack_.token_for("alice", "correct horse");
  ASSERT_TRUE(auth_.authenticate(token).ok());  // verified once: cached from now on
  stack_.change_password("alice", "new horse");
  auto revoked = auth_.authenticate(token);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_NE(revoked.error().message.find("token revoked"), std::string::npos);
  // A token issued after the change works; the old password does not.
  EXPECT_TRUE(auth_.authenticate(stack_.token_for("alice", "new horse")).ok());
  EXPECT_FALSE(auth_.login("alice", "correct horse", "10.0.0.1").ok());
}

TEST_F(AuthServiceTest, EveryPasswordChangeRevokesTheTokensBeforeIt) {
  stack_.change_password("alice", "second horse");
  const std::string second = stack_.token_for("alice", "second horse");
  stack_.change_password("alice", "third horse");
  EXPECT_FALSE(auth_.authenticate(second).ok());
  EXPECT_TRUE(auth_.authenticate(stack_.token_for("alice", "third horse")).ok());
}

TEST_F(AuthServiceTest, TokenOfARemovedUserDoesNotNameTheUserAddedAgainUnderItsName) {
  const std::string token = stack_.token_for("alice", "correct horse");
  ASSERT_TRUE(stack_.users().remove_user("alice").ok());
  const std::string new_id = stack_.add_user("alice", "correct horse");
  auto old = auth_.authenticate(token);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_NE(old.error().message.find("unknown user"), std::string::npos);
  auto fresh = auth_.authenticate(stack_.token_for("alice", "correct horse"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->id, new_id);
}

TEST_F(AuthServiceTest, TokenSignedWithAnotherKeyIsRefused) {
  JwtSigner other(std::string(32, 'x'));
  auto alice = stack_.users().find_user("alice");
  ASSERT_TRUE(alice.ok() && alice->has_value());
  auto forged = other.issue((*alice)->id, 0, stack_.clock().now_ms() / 1000, 600);
  ASSERT_TRUE(forged.ok());
  auto user = auth_.authenticate(*forged);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
}

TEST_F(AuthServiceTest, GarbageTokenIsUnauthenticated) {
  for (const char* token : {"", "garbage", "a.b.c"}) {
    auto user = auth_.authenticate(token);
    ASSERT_FALSE(user.ok()) << token;
    EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
  }
}

TEST(BootstrapAdminTest, CreatesTheFirstAdministratorWithTheGivenPassword) {
  AuthStack stack;
  auto password = stack.auth().bootstrap_admin("root", "initial secret");
  ASSERT_TRUE(password.ok()) << password.error().message;
  EXPECT_EQ(*password, "initial secret");
  auto root = stack.users().find_user("root");
  ASSERT_TRUE(root.ok() && root->has_value());
  EXPECT_TRUE((*root)->admin);
  EXPECT_EQ((*root)->created_at_ms, stack.clock().now_ms());
  EXPECT_NE((*root)->password_hash, "initial secret");  // stored hashed
  auto user = stack.auth().authenticate(stack.token_for("root", "initial secret"));
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE(user->admin);
}

TEST(BootstrapAdminTest, GeneratesAPasswordWhenNoneIsGiven) {
  AuthStack stack;
  auto password = stack.auth().bootstrap_admin("root", "");
  ASSERT_TRUE(password.ok());
  EXPECT_EQ(password->size(), 24u);
  EXPECT_EQ(password->find_first_not_of("0123456789abcdef"), std::string::npos) << *password;
  EXPECT_TRUE(stack.auth().login("root", *password, "127.0.0.1").ok());
}

TEST(BootstrapAdminTest, DoesNothingWhenUsersExist) {
  AuthStack stack;
  stack.add_user("alice", "pw");
  auto password = stack.auth().bootstrap_admin("root", "initial secret");
  ASSERT_TRUE(password.ok());
  EXPECT_EQ(*password, "");
  EXPECT_FALSE(stack.users().find_user("root")->has_value());
}

TEST(BootstrapAdminTest, SecondCallKeepsTheFirstPassword) {
  AuthStack stack;
  ASSERT_EQ(*stack.auth().bootstrap_admin("root", "first password"), "first password");
  ASSERT_EQ(*stack.auth().bootstrap_admin("root", "second password"), "");
  EXPECT_TRUE(stack.auth().login("root", "first password", "127.0.0.1").ok());
  EXPECT_FALSE(stack.auth().login("root", "second password", "127.0.0.1").ok());
}

TEST(BootstrapAdminTest, AdminPasswordShorterThanTheMinimumIsRefused) {
  AuthStack stack;
  auto refused = stack.auth().bootstrap_admin("root", "short");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(refused.error().field, "ADMIN_PASSWORD");
  EXPECT_NE(refused.error().message.find("at least 8 characters"), std::string::npos);
  EXPECT_FALSE(stack.users().find_user("root")->has_value());
  EXPECT_EQ(*stack.auth().bootstrap_admin("root", "8 chars!"), "8 chars!");
}

TEST(BootstrapAdminTest, AdministratorGetsAFreshIdAtVersionZero) {
  AuthStack stack;
  ASSERT_TRUE(stack.auth().bootstrap_admin("root", "initial secret").ok());
  auto root = stack.users().find_user("root");
  ASSERT_TRUE(root.ok() && root->has_value());
  EXPECT_TRUE(is_uuid((*root)->id)) << (*root)->id;
  EXPECT_EQ((*root)->token_version, 0);
}

}  // namespace
}  // namespace polyvox
