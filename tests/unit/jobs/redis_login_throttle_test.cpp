// RedisLoginThrottle: the same policy as the in-memory throttle, with counters shared by every API
// node through Redis.
#include "jobs/redis/redis_login_throttle.h"

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::shared_redis_server;

class RedisLoginThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shared_redis_server().ready()); }

  std::unique_ptr<redis::RedisLoginThrottle> node() {
    return std::make_unique<redis::RedisLoginThrottle>(
        test_support::redis_pool(shared_redis_server().url()), prefix_, clock_, policy_);
  }

  const std::string prefix_ = "test-" + random_hex(6) + ":";
  ManualClock clock_;
  ThrottlePolicy policy_{.free_failures = 3,
                         .free_address_failures = 10,
                         .user_ceiling = 6,
                         .window_s = 60,
                         .first_lock_s = 2,
                         .max_lock_s = 10,
                         .max_user_delay_s = 6};
};

TEST_F(RedisLoginThrottleTest, LocksAPairAfterItsFreeFailuresOnEveryNode) {
  auto a = node(), b = node();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a->retry_after_s("alice", "10.0.0.1"), 0);
    (i % 2 == 0 ? a : b)->record_failure("alice", "10.0.0.1");
  }
  EXPECT_EQ(b->retry_after_s("alice", "10.0.0.1"), 0);  // three free failures
  a->record_failure("alice", "10.0.0.1");
  EXPECT_EQ(b->retry_after_s("alice", "10.0.0.1"), 2);
  EXPECT_EQ(a->retry_after_s("alice", "10.0.0.2"), 0);  // another address is not locked
  b->record_failure("alice", "10.0.0.1");
  EXPECT_EQ(a->retry_after_s("alice", "10.0.0.1"), 4);  // doubling
  clock_.advance_ms(4000);
  EXPECT_EQ(a->retry_after_s("alice", "10.0.0.1"), 0);
}

TEST_F(RedisLoginThrottleTest, LockDoublesUpToTheMaximum) {
  auto a = node();
  for (int i = 0; i < 10; ++i) a->record_failure("bob", "10.0.0.9");
  EXPECT_EQ(a->retry_after_s("bob", "10.0.0.9"), 10);
}

TEST_F(RedisLoginThrottleTest, SuccessClearsThePairOnly) {
  auto a = node();
  for (int i = 0; i < 4; ++i) a->record_failure("carol", "10.0.0.3");
  ASSERT_GT(a->retry_after_s("carol", "10.0.0.3"), 0);
  a->record_success("carol", "10.0.0.3");
  EXPECT_EQ(a->retry_after_s("carol", "10.0.0.3"), 0);
  // The per-user counter remembers the four failures: past its ceiling of six, each failure
  // delays the address it came from at once, but never an address that has not failed.
  a->record_failure("carol", "10.0.0.4");
  a->record_failure("carol", "10.0.0.5");
  EXPECT_EQ(a->retry_after_s("carol", "10.0.0.5"), 0);
  a->record_failure("carol", "10.0.0.6");
  EXPECT_EQ(a->retry_after_s("carol", "10.0.0.6"), 2);
  EXPECT_EQ(a->retry_after_s("carol", "10.0.0.7"), 0);
}

TEST_F(RedisLoginThrottleTest, ManyAddressesFailingForOneUserNeverLockTheRealUserOut) {
  auto a = node(), b = node();
  for (int i = 0; i < 30; ++i) {
    (i % 2 == 0 ? a : b)->record_failure("admin", "attacker-" + std::to_string(i));
  }
  EXPECT_EQ(b->retry_after_s("admin", "the-real-admin"), 0);
  // Each attacking address past the ceiling waits, at most max_user_delay_s.
  EXPECT_EQ(a->retry_after_s("admin", "attacker-29"), 6);
  EXPECT_EQ(a->retry_after_s("admin", "attacker-6"), 2);
  EXPECT_EQ(a->retry_after_s("admin", "attacker-5"), 0);
}

TEST_F(RedisLoginThrottleTest, FailuresOlderThanTheWindowAreForgotten) {
  auto a = node();
  for (int i = 0; i < 3; ++i) a->record_failure("dave", "10.0.0.8");
  clock_.advance_ms(61'000);
  a->record_failure("dave", "10.0.0.8");  // the first of a new window
  EXPECT_EQ(a->retry_after_s("dave", "10.0.0.8"), 0);
}

TEST_F(RedisLoginThrottleTest, UnreachableRedisLetsTriesThrough) {
  redis::RedisLoginThrottle throttle(
      test_support::redis_pool("redis://127.0.0.1:" +
                               std::to_string(test_support::free_loopback_port())),
      prefix_, clock_, policy_);
  throttle.record_failure("erin", "10.0.0.1");
  EXPECT_EQ(throttle.retry_after_s("erin", "10.0.0.1"), 0);
}

}  // namespace
}  // namespace polyvox
