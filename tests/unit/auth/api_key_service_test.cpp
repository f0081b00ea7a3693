// API keys as the service handles them, on the SQLite stores and a ManualClock: the form of a
// key, what creating one validates, recognizing one through AuthService (a password change
// keeps it, expiry, revocation and user removal end it), the verified-key cache (how long a
// revocation made elsewhere may take, what a polled key costs the store) and the throttled
// record of last use.
#include "auth/api_key_service.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <functional>
#include <utility>

#include "auth/api_key_secret.h"
#include "core/ids.h"
#include "unit/auth/auth_stack.h"

namespace polyvox {
namespace {

using test_support::AuthStack;

// A store that counts what the service asks of the one beneath.
class CountingStore final : public ApiKeyStore {
 public:
  explicit CountingStore(ApiKeyStore& inner) : inner_(inner) {}
  Status add_key(const ApiKey& key, std::size_t max) override { return inner_.add_key(key, max); }
  Result<std::optional<ApiKey>> find_key_by_hash(const std::string& hash) override {
    ++finds;
    auto found = inner_.find_key_by_hash(hash);
    if (auto hook = std::exchange(after_find, nullptr)) hook();
    return found;
  }
  Result<std::vector<ApiKey>> list_keys(const std::string& user_id) override {
    return inner_.list_keys(user_id);
  }
  Status revoke_key(const std::string& id, const std::string& owner_id) override {
    return inner_.revoke_key(id, owner_id);
  }
  Result<bool> record_use(const std::string& id, int64_t now_ms, int64_t interval) override {
    ++use_writes;
    return inner_.record_use(id, now_ms, interval);
  }
  std::atomic<int> finds{0};
  std::atomic<int> use_writes{0};
  std::function<void()> after_find;  // runs once, after the next find has read the store

 private:
  ApiKeyStore& inner_;
};

class ApiKeyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_id_ = stack_.add_user("alice", "alice-password");
    root_id_ = stack_.add_user("root", "root-password", /*admin=*/true);
  }

  // The stored record of the key whose text is `key`.
  std::optional<ApiKey> stored(const std::string& key) {
    auto found = stack_.api_key_store().find_key_by_hash(api_key_hash(key));
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::nullopt;
  }

  static void expect_refused(const Result<User>& user, const std::string& why) {
    ASSERT_FALSE(user.ok()) << "accepted as " << user->name;
    EXPECT_EQ(user.error().kind, ErrorKind::kUnauthenticated);
    EXPECT_NE(user.error().message.find(why), std::string::npos) << user.error().message;
  }

  AuthStack stack_;
  std::string alice_id_, root_id_;
  AuthService& auth_ = stack_.auth();
  ApiKeyService& keys_ = stack_.api_keys();
  ManualClock& clock_ = stack_.clock();
};

TEST_F(ApiKeyServiceTest, KeyIsPvxAnd256RandomBitsStoredOnlyAsItsSha256) {
  auto issued = keys_.create(alice_id_, "ci", 0);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const std::string& key = issued->key;
  ASSERT_EQ(key.size(), 47u);
  EXPECT_EQ(key.substr(0, 4), "pvx_");
  unsigned char bits[64];
  std::size_t decoded = 0;
  ASSERT_EQ(sodium_base642bin(bits, sizeof bits, key.data() + 4, key.size() - 4, nullptr, &decoded,
                              nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  EXPECT_EQ(decoded, 32u);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  const ApiKey& record = issued->record;
  EXPECT_EQ(record.hash, hex);
  EXPECT_EQ(record.prefix, key.substr(0, 10));
  EXPECT_EQ(record.user_id, alice_id_);
  EXPECT_EQ(record.created_at_ms, clock_.now_ms());
  EXPECT_TRUE(is_uuid(record.id));
  const auto row = stored(key);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->id, record.id);
  EXPECT_EQ(row->hash, hex);  // what is stored: the digest, the prefix and no more of the key
  EXPECT_EQ(row->name, "ci");
  EXPECT_NE(keys_.create(alice_id_, "ci", 0)->key, key);
}

TEST_F(ApiKeyServiceTest, KeyAuthenticatesAsItsUserThroughTheAuthService) {
  const std::string key = stack_.key_for(alice_id_);
  auto user = auth_.authenticate(key);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->id, alice_id_);
  EXPECT_EQ(user->name, "alice");
  EXPECT_FALSE(user->admin);
  auto admin = auth_.authenticate(stack_.key_for(root_id_));
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->admin);
}

TEST_F(ApiKeyServiceTest, MalformedAndUnknownKeysAreRefused) {
  const std::string key = stack_.key_for(alice_id_);
  expect_refused(auth_.authenticate("pvx_"), "malformed API key");
  expect_refused(auth_.authenticate(key + "A"), "malformed API key");
  expect_refused(auth_.authenticate(key.substr(0, 46) + "!"), "malformed API key");
  std::string other = key;
  other[20] = other[20] == 'A' ? 'B' : 'A';
  expect_refused(auth_.authenticate(other), "unknown or revoked API key");
  expect_refused(auth_.authenticate(new_api_key_secret().key), "unknown or revoked API key");
}

TEST_F(ApiKeyServiceTest, AuthServiceWithoutKeysRefusesThem) {
  InMemoryLoginThrottle throttle(clock_);
  AuthService without(stack_.users(), JwtSigner(test_support::signing_key()), throttle, clock_);
  expect_refused(without.authenticate(stack_.key_for(alice_id_)), "API keys are not accepted");
}

TEST_F(ApiKeyServiceTest, PasswordChangeKeepsKeysWorkingButNotTokens) {
  const std::string key = stack_.key_for(alice_id_);
  const std::string token = stack_.token_for("alice", "alice-password");
  stack_.change_password("alice", "alice-password-2");
  clock_.advance_ms(5'000);  // well past every cache
  expect_refused(auth_.authenticate(token), "password changed");
  auto user = auth_.authenticate(key);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->id, alice_id_);
}

TEST_F(ApiKeyServiceTest, ExpiredKeyIsRefused) {
  auto issued = keys_.create(alice_id_, "short", clock_.now_ms() + 10'000);
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(auth_.authenticate(issued->key).ok());  // cached from now on
  clock_.advance_ms(9'999);
  ASSERT_TRUE(auth_.authenticate(issued->key).ok());
  clock_.advance_ms(1);
  expect_refused(auth_.authenticate(issued->key), "API key expired");
}

TEST_F(ApiKeyServiceTest, RevokedKeyIsRefusedAtOnceWhereItWasRevoked) {
  const std::string key = stack_.key_for(alice_id_);
  ASSERT_TRUE(auth_.authenticate(key).ok());  // cached
  const std::string id = stored(key)->id;
  // Named as another user's key (the route does this for non-administrators): not found.
  EXPECT_EQ(keys_.revoke(id, root_id_).error().kind, ErrorKind::kNotFound);
  ASSERT_TRUE(auth_.authenticate(key).ok());
  ASSERT_TRUE(keys_.revoke(id, alice_id_).ok());
  expect_refused(auth_.authenticate(key), "unknown or revoked API key");
  EXPECT_EQ(keys_.revoke(id, "").error().kind, ErrorKind::kNotFound);
}

// A verification that read the key just before this node revoked it answers for its own request
// but caches nothing: it used to cache the key as it read it, accepted for another second.
TEST_F(ApiKeyServiceTest, AVerificationRacingARevocationCachesNothing) {
  CountingStore counting(stack_.api_key_store());
  ApiKeyService service(counting, stack_.users(), clock_);
  const std::string key = service.create(alice_id_, "raced", 0)->key;
  const std::string id = stored(key)->id;
  counting.after_find = [&] {
    ASSERT_TRUE(service.revoke(id, alice_id_).ok());  // between the read and the cache
  };
  ASSERT_TRUE(service.authenticate(key).ok());  // read before the revocation
  expect_refused(service.authenticate(key), "unknown or revoked API key");
}

// Another node's (or process's) revocation reaches this service through the store only: its
// verified key is trusted for less than cache_max_age_ms (1 s), never longer.
TEST_F(ApiKeyServiceTest, RevocationElsewhereIsSeenWithinASecond) {
  const std::string key = stack_.key_for(alice_id_);
  ASSERT_TRUE(auth_.authenticate(key).ok());
  ASSERT_TRUE(stack_.api_key_store().revoke_key(stored(key)->id, "").ok());
  clock_.advance_ms(999);
  EXPECT_TRUE(auth_.authenticate(key).ok());  // the bound is what it says, not less
  clock_.advance_ms(1);
  expect_refused(auth_.authenticate(key), "unknown or revoked API key");
}

TEST_F(ApiKeyServiceTest, UserRemovalRevokesTheirKeysWithinASecond) {
  const std::string key = stack_.key_for(alice_id_);
  ASSERT_TRUE(auth_.authenticate(key).ok());
  ASSERT_TRUE(stack_.users().remove_user("alice").ok());
  clock_.advance_ms(1'000);
  expect_refused(auth_.authenticate(key), "unknown or revoked API key");
  stack_.add_user("alice", "alice-password");  // someone new under the old name
  clock_.advance_ms(1'000);
  expect_refused(auth_.authenticate(key), "unknown or revoked API key");
}

TEST_F(ApiKeyServiceTest, PolledKeyReadsTheStoreOncePerSecond) {
  CountingStore counting(stack_.api_key_store());
  ApiKeyService service(counting, stack_.users(), clock_);
  const std::string key = service.create(alice_id_, "poller", 0)->key;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(service.authenticate(key).ok());
    clock_.advance_ms(9);  // 100 polls in 0.9 s
  }
  EXPECT_EQ(counting.finds, 1);
  clock_.advance_ms(100);
  ASSERT_TRUE(service.authenticate(key).ok());
  EXPECT_EQ(counting.finds, 2);
}

TEST_F(ApiKeyServiceTest, LastUseIsWrittenAtMostOnceAMinute) {
  CountingStore counting(stack_.api_key_store());
  ApiKeyService service(counting, stack_.users(), clock_);
  const std::string key = service.create(alice_id_, "poller", 0)->key;
  EXPECT_EQ(stored(key)->last_used_at_ms, 0);
  const int64_t first_use = clock_.now_ms();
  for (int i = 0; i < 600; ++i) {  // one use every 100 ms for a minute
    ASSERT_TRUE(service.authenticate(key).ok());
    clock_.advance_ms(100);
  }
  EXPECT_EQ(counting.use_writes, 1);
  EXPECT_EQ(stored(key)->last_used_at_ms, first_use);
  ASSERT_TRUE(service.authenticate(key).ok());  // a minute after the first
  EXPECT_EQ(counting.use_writes, 2);
  EXPECT_EQ(stored(key)->last_used_at_ms, first_use + 60'000);
}

// Two nodes (two services over one store) record one key's use once per minute between them:
// each reads the other's write back within a second.
TEST_F(ApiKeyServiceTest, NodesShareTheLastUseThrottle) {
  CountingStore store_a(stack_.api_key_store()), store_b(stack_.api_key_store());
  ApiKeyService node_a(store_a, stack_.users(), clock_), node_b(store_b, stack_.users(), clock_);
  const std::string key = node_a.create(alice_id_, "shared", 0)->key;
  for (int i = 0; i < 120; ++i) {  // alternating, every 500 ms, for a minute
    ASSERT_TRUE((i % 2 == 0 ? node_a : node_b).authenticate(key).ok());
    clock_.advance_ms(500);
  }
  EXPECT_EQ(store_a.use_writes + store_b.use_writes, 1);
}

TEST_F(ApiKeyServiceTest, CreateValidatesTheNameAndTheExpiry) {
  const int64_t now = clock_.now_ms();
  for (const std::string& name :
       {std::string(), std::string("   "), std::string(65, 'x'), std::string("tab\there"),
        std::string("nul\0x", 5), std::string("c1\xC2\x85"), std::string("bad\xFF")}) {
    auto refused = keys_.create(alice_id_, name, 0);
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(refused.error().field, "name");
  }
  EXPECT_TRUE(keys_.create(alice_id_, std::string(64, 'x'), 0).ok());
  EXPECT_TRUE(keys_.create(alice_id_, "مفتاح النشر", 0).ok());
  for (int64_t expires_at :
       {now, now - 1, now + kMaxApiKeyLifetimeDays * kMillisecondsPerDay + 1}) {
    auto refused = keys_.create(alice_id_, "ci", expires_at);
    ASSERT_FALSE(refused.ok()) << expires_at;
    EXPECT_EQ(refused.error().field, "expires_at");
  }
  EXPECT_TRUE(
      keys_.create(alice_id_, "ci", now + kMaxApiKeyLifetimeDays * kMillisecondsPerDay).ok());
  EXPECT_EQ(keys_.create(new_uuid4(), "ci", 0).error().kind, ErrorKind::kNotFound);
}

TEST_F(ApiKeyServiceTest, TooManyKeysIsAConflict) {
  ApiKeyOptions options;
  options.max_keys_per_user = 2;
  ApiKeyService service(stack_.api_key_store(), stack_.users(), clock_, options);
  ASSERT_TRUE(service.create(alice_id_, "one", 0).ok());
  clock_.advance_ms(1);
  ASSERT_TRUE(service.create(alice_id_, "two", 0).ok());
  auto third = service.create(alice_id_, "three", 0);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().kind, ErrorKind::kConflict);
  auto listed = service.list(alice_id_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "one");  // oldest first
  EXPECT_EQ((*listed)[1].name, "two");
}

TEST(ApiKeyExpiryTest, DaysFromOneToTheLongestLifetime) {
  EXPECT_EQ(*api_key_expiry_in_days(1, 1000, "days"), 1000 + kMillisecondsPerDay);
  EXPECT_EQ(*api_key_expiry_in_days(kMaxApiKeyLifetimeDays, 0, "days"),
            kMaxApiKeyLifetimeDays * kMillisecondsPerDay);
  for (int64_t days : {int64_t{0}, int64_t{-1}, kMaxApiKeyLifetimeDays + 1, INT64_MAX}) {
    auto refused = api_key_expiry_in_days(days, 0, "--expires-in-days");
    ASSERT_FALSE(refused.ok()) << days;
    EXPECT_EQ(refused.error().field, "--expires-in-days");
  }
}

}  // namespace
}  // namespace polyvox
