// Every backend as an ApiKeyStore: keys stored with every field and found by their hash, listed
// per user oldest first, revoked (by their owner, or by anyone when no owner is named), bounded
// per user, removed with their user but kept across a password change, and their last use
// written at most once per interval.
#include "auth/api_key_secret.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

class ApiKeyStoreTest : public test_support::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    alice_ = add_user("alice");
    bob_ = add_user("bob");
  }

  std::string add_user(const std::string& name) {
    const std::string id = new_uuid4();
    EXPECT_TRUE(users_->add_user(User{id, name, "$argon2id$" + name, false, 1, 0}).ok());
    return id;
  }

  // A key of `user_id` made at `created_at_ms`, as the service makes one.
  static ApiKey key_of(const std::string& user_id, int64_t created_at_ms = 1'700'000'000'000,
                       const std::string& name = "ci") {
    const NewApiKeySecret secret = new_api_key_secret();
    return ApiKey{new_uuid4(), user_id,       name, secret.display_prefix,
                  secret.hash, created_at_ms, 0,    0};
  }

  ApiKey added(const std::string& user_id, int64_t created_at_ms = 1'700'000'000'000) {
    ApiKey key = key_of(user_id, created_at_ms);
    Status s = api_keys_->add_key(key, kMaxPerUser);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return key;
  }

  std::optional<ApiKey> found(const std::string& hash) {
    auto key = api_keys_->find_key_by_hash(hash);
    EXPECT_TRUE(key.ok()) << key.error().message;
    return key.ok() ? *key : std::nullopt;
  }

  std::vector<std::string> ids_of(const std::string& user_id) {
    auto keys = api_keys_->list_keys(user_id);
    EXPECT_TRUE(keys.ok()) << keys.error().message;
    std::vector<std::string> ids;
    if (keys.ok()) {
      for (const ApiKey& key : *keys) ids.push_back(key.id);
    }
    return ids;
  }

  static constexpr std::size_t kMaxPerUser = 3;
  std::string alice_, bob_;
};
POLYVOX_ON_EVERY_BACKEND(ApiKeyStoreTest);

TEST_P(ApiKeyStoreTest, AddedKeyIsFoundByItsHashWithEveryField) {
  ApiKey key = key_of(alice_, 1'700'000'000'123, "deploy bot ✓");
  key.expires_at_ms = 1'800'000'000'456;
  key.last_used_at_ms = 1'700'000'000'999;
  ASSERT_TRUE(api_keys_->add_key(key, kMaxPerUser).ok());
  reopen();
  const auto stored = found(key.hash);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, key.id);
  EXPECT_EQ(stored->user_id, alice_);
  EXPECT_EQ(stored->name, "deploy bot ✓");
  EXPECT_EQ(stored->prefix, key.prefix);
  EXPECT_EQ(stored->hash, key.hash);
  EXPECT_EQ(stored->created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(stored->expires_at_ms, 1'800'000'000'456);  // expired or not, the store finds it
  EXPECT_EQ(stored->last_used_at_ms, 1'700'000'000'999);
}

TEST_P(ApiKeyStoreTest, UnknownHashIsNotThere) {
  added(alice_);
  EXPECT_FALSE(found(api_key_hash(new_api_key_secret().key)).has_value());
  EXPECT_FALSE(found("").has_value());
}

TEST_P(ApiKeyStoreTest, KeyOfAnUnknownUserIsNotStored) {
  const ApiKey key = key_of(new_uuid4());
  Status s = api_keys_->add_key(key, kMaxPerUser);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(found(key.hash).has_value());
  EXPECT_TRUE(ids_of(key.user_id).empty());
}

TEST_P(ApiKeyStoreTest, TakenIdOrHashIsInvalidInput) {
  const ApiKey first = added(alice_);
  ApiKey same_hash = key_of(bob_);
  same_hash.hash = first.hash;
  EXPECT_EQ(api_keys_->add_key(same_hash, kMaxPerUser).error().kind, ErrorKind::kInvalidInput);
  ApiKey same_id = key_of(bob_);
  same_id.id = first.id;
  EXPECT_EQ(api_keys_->add_key(same_id, kMaxPerUser).error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(ids_of(bob_).empty());
  EXPECT_EQ(found(first.hash)->user_id, alice_);
}

TEST_P(ApiKeyStoreTest, ListsEachUsersKeysOldestFirst) {
  const ApiKey newer = added(alice_, 3000);
  const ApiKey bobs = added(bob_, 1500);
  const ApiKey older = added(alice_, 1000);
  const ApiKey middle = added(alice_, 2000);
  reopen();
  EXPECT_EQ(ids_of(alice_), (std::vector<std::string>{older.id, middle.id, newer.id}));
  EXPECT_EQ(ids_of(bob_), std::vector<std::string>{bobs.id});
  EXPECT_TRUE(ids_of(new_uuid4()).empty());
  auto listed = api_keys_->list_keys(bob_);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)[0].hash, bobs.hash);
  EXPECT_EQ((*listed)[0].prefix, bobs.prefix);
}

TEST_P(ApiKeyStoreTest, UserMayHoldOnlySoManyKeys) {
  const ApiKey first = added(alice_);
  added(alice_);
  added(alice_);
  const ApiKey fourth = key_of(alice_);
  Status refused = api_keys_->add_key(fourth, kMaxPerUser);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_FALSE(found(fourth.hash).has_value());
  EXPECT_TRUE(api_keys_->add_key(key_of(bob_), kMaxPerUser).ok());  // per user
  ASSERT_TRUE(api_keys_->revoke_key(first.id, alice_).ok());
  EXPECT_TRUE(api_keys_->add_key(fourth, kMaxPerUser).ok());  // a revoked key does not count
}

TEST_P(ApiKeyStoreTest, RevokedKeyIsGone) {
  const ApiKey key = added(alice_);
  const ApiKey other = added(alice_);
  ASSERT_TRUE(api_keys_->revoke_key(key.id, alice_).ok());
  EXPECT_FALSE(found(key.hash).has_value());
  EXPECT_EQ(ids_of(alice_), std::vector<std::string>{other.id});
  EXPECT_EQ(api_keys_->revoke_key(key.id, alice_).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(api_keys_->revoke_key(new_uuid4(), "").error().kind, ErrorKind::kNotFound);
}

TEST_P(ApiKeyStoreTest, OnlyItsOwnerOrAnyoneUnnamedRevokesAKey) {
  const ApiKey key = added(alice_);
  Status by_bob = api_keys_->revoke_key(key.id, bob_);
  ASSERT_FALSE(by_bob.ok());
  EXPECT_EQ(by_bob.error().kind, ErrorKind::kNotFound);  // looks like a missing key
  EXPECT_TRUE(found(key.hash).has_value());
  ASSERT_TRUE(api_keys_->revoke_key(key.id, "").ok());  // an administrator names no owner
  EXPECT_FALSE(found(key.hash).has_value());
}

TEST_P(ApiKeyStoreTest, KeysGoWithTheirUserAndNotWithAPasswordChange) {
  const ApiKey alices = added(alice_);
  const ApiKey bobs = added(bob_);
  ASSERT_TRUE(users_->set_password_hash("alice", "$argon2id$changed").ok());
  EXPECT_TRUE(found(alices.hash).has_value());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  EXPECT_FALSE(found(alices.hash).has_value());
  EXPECT_TRUE(ids_of(alice_).empty());
  EXPECT_TRUE(found(bobs.hash).has_value());
  // Added again under the same name: someone new, without the old keys.
  const std::string again = add_user("alice");
  EXPECT_TRUE(ids_of(again).empty());
  EXPECT_EQ(api_keys_->revoke_key(alices.id, "").error().kind, ErrorKind::kNotFound);
}

TEST_P(ApiKeyStoreTest, LastUseIsWrittenAtMostOncePerInterval) {
  const ApiKey key = added(alice_);
  constexpr int64_t kMinute = 60'000;
  const int64_t t0 = 1'700'000'100'000;
  EXPECT_TRUE(*api_keys_->record_use(key.id, t0, kMinute));
  EXPECT_FALSE(*api_keys_->record_use(key.id, t0 + 1, kMinute));
  EXPECT_FALSE(*api_keys_->record_use(key.id, t0 + kMinute - 1, kMinute));
  EXPECT_EQ(found(key.hash)->last_used_at_ms, t0);
  EXPECT_TRUE(*api_keys_->record_use(key.id, t0 + kMinute, kMinute));
  EXPECT_EQ(found(key.hash)->last_used_at_ms, t0 + kMinute);
  auto unknown = api_keys_->record_use(new_uuid4(), t0, kMinute);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);
  ASSERT_TRUE(api_keys_->revoke_key(key.id, "").ok());
  EXPECT_FALSE(*api_keys_->record_use(key.id, t0 + 10 * kMinute, kMinute));  // not recreated
  EXPECT_FALSE(found(key.hash).has_value());
}

}  // namespace
}  // namespace polyvox
