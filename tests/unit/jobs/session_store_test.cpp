// Every backend as a SessionStore: sessions stored with every field and found by their hash, a
// taken hash refused, removal idempotent, and expired sessions forgotten.
#include "auth/api_key_secret.h"
#include "auth/session_service.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

class SessionStoreTest : public test_support::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    alice_ = new_uuid4();
    ASSERT_TRUE(users_->add_user(User{alice_, "alice", "$argon2id$alice", false, 1, 0}).ok());
  }

  // A session of alice's as the service makes one, from `created_at_ms` to `expires_at_ms`
  // (far in the future unless given: Redis expires keys by its own clock).
  Session session_of(int64_t created_at_ms = 1'700'000'000'000,
                     int64_t expires_at_ms = 4'000'000'000'000) {
    return Session{secret_hash(new_random_secret(kSessionSecretPrefix)), alice_, 3, created_at_ms,
                   expires_at_ms};
  }

  std::optional<Session> found(const std::string& hash) {
    auto session = sessions_->find_session(hash);
    EXPECT_TRUE(session.ok()) << session.error().message;
    return session.ok() ? *session : std::nullopt;
  }

  std::string alice_;
};
POLYVOX_ON_EVERY_BACKEND(SessionStoreTest);

TEST_P(SessionStoreTest, AddedSessionIsFoundByItsHashWithEveryField) {
  const Session session = session_of(1'700'000'000'123, 4'000'000'000'456);
  ASSERT_TRUE(sessions_->add_session(session).ok());
  reopen();
  const auto stored = found(session.hash);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hash, session.hash);
  EXPECT_EQ(stored->user_id, alice_);
  EXPECT_EQ(stored->token_version, 3);
  EXPECT_EQ(stored->created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(stored->expires_at_ms, 4'000'000'000'456);
}

TEST_P(SessionStoreTest, UnknownHashIsNotThere) {
  ASSERT_TRUE(sessions_->add_session(session_of()).ok());
  EXPECT_FALSE(found(session_of().hash).has_value());
}

TEST_P(SessionStoreTest, TakenHashIsRefusedAndTheFirstSessionKept) {
  const Session first = session_of();
  ASSERT_TRUE(sessions_->add_session(first).ok());
  Session second = first;
  second.token_version = 9;
  const Status s = sessions_->add_session(second);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
  ASSERT_TRUE(found(first.hash).has_value());
  EXPECT_EQ(found(first.hash)->token_version, 3);
}

TEST_P(SessionStoreTest, RemovedSessionIsGoneAndRemovingAgainIsFine) {
  const Session kept = session_of();
  const Session ended = session_of();
  ASSERT_TRUE(sessions_->add_session(kept).ok());
  ASSERT_TRUE(sessions_->add_session(ended).ok());
  ASSERT_TRUE(sessions_->remove_session(ended.hash).ok());
  EXPECT_FALSE(found(ended.hash).has_value());
  EXPECT_TRUE(found(kept.hash).has_value());
  EXPECT_TRUE(sessions_->remove_session(ended.hash).ok());
  EXPECT_TRUE(sessions_->remove_session(session_of().hash).ok());
}

TEST_P(SessionStoreTest, ExpiredSessionIsForgotten) {
  // Expired in 1970 by every clock: Redis drops it at once, SQLite with the next session added.
  const Session expired = session_of(1'000, 2'000);
  ASSERT_TRUE(sessions_->add_session(expired).ok());
  ASSERT_TRUE(sessions_->add_session(session_of()).ok());
  EXPECT_FALSE(found(expired.hash).has_value());
}

}  // namespace
}  // namespace polyvox
