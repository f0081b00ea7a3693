// Throttling of failed logins on a clock the test moves: a few free failures per (name, address),
// then locks that double up to a cap; a wider limit per address; past a per-name ceiling a small
// bounded delay for each failing address but never a lockout of the name; a window after which
// failures are forgotten; memory bounded by forgetting the least recently failed, never all.
#include "auth/login_throttle.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

class LoginThrottleTest : public ::testing::Test {
 protected:
  void fail(int times, const std::string& user = "alice", const std::string& address = "10.0.0.1") {
    for (int i = 0; i < times; ++i) throttle_.record_failure(user, address);
  }
  int64_t wait(const std::string& user = "alice", const std::string& address = "10.0.0.1") {
    return throttle_.retry_after_s(user, address);
  }

  ManualClock clock_;
  InMemoryLoginThrottle throttle_{clock_};  // the default policy: 5 free failures, 1 s first lock
};

TEST_F(LoginThrottleTest, FreeFailuresDoNotLock) {
  fail(5);
  EXPECT_EQ(wait(), 0);
}

TEST_F(LoginThrottleTest, FailurePastTheFreeOnesLocksForASecond) {
  fail(6);
  EXPECT_EQ(wait(), 1);
}

TEST_F(LoginThrottleTest, LockDoublesWithEachFurtherFailure) {
  fail(6);
  std::vector<int64_t> locks{wait()};
  for (int i = 0; i < 4; ++i) {
    fail(1);
    locks.push_back(wait());
  }
  EXPECT_EQ(locks, (std::vector<int64_t>{1, 2, 4, 8, 16}));
}

TEST_F(LoginThrottleTest, LockIsCappedAtTheMaximum) {
  fail(5 + 30);  // 2^29 s without the cap
  EXPECT_EQ(wait(), 300);
}

TEST_F(LoginThrottleTest, LockEndsWhenItsTimeHasPassed) {
  fail(7);  // locked for 2 s
  clock_.advance_ms(1500);
  EXPECT_EQ(wait(), 1);  // 0.5 s left, rounded up
  clock_.advance_ms(499);
  EXPECT_EQ(wait(), 1);
  clock_.advance_ms(1);
  EXPECT_EQ(wait(), 0);
}

TEST_F(LoginThrottleTest, FailuresOlderThanTheWindowAreForgotten) {
  fail(5);
  clock_.advance_ms(900 * 1000 + 1);
  fail(1);  // the first of a new window
  EXPECT_EQ(wait(), 0);
}

TEST_F(LoginThrottleTest, FailuresWithinTheWindowAddUp) {
  fail(5);
  clock_.advance_ms(900 * 1000);
  fail(1);
  EXPECT_EQ(wait(), 1);
}

TEST_F(LoginThrottleTest, ClientsBehindOneAddressDoNotLockEachOtherOut) {
  fail(6, "alice", "nat");
  EXPECT_GT(wait("alice", "nat"), 0);
  EXPECT_EQ(wait("bob", "nat"), 0);
  EXPECT_EQ(wait("alice", "10.9.9.9"), 0);
}

TEST(LoginThrottlePolicyTest, OneAddressTryingManyNamesIsLocked) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_address_failures = 3});
  for (const char* user : {"u1", "u2", "u3", "u4"}) throttle.record_failure(user, "scanner");
  EXPECT_EQ(throttle.retry_after_s("fresh-name", "scanner"), 1);
  EXPECT_EQ(throttle.retry_after_s("fresh-name", "10.0.0.1"), 0);
}

TEST(LoginThrottlePolicyTest, TwentyFailuresFromAnywhereDoNotLockTheRealUserOut) {
  // The default ceiling: twenty failures for "admin" from twenty addresses (and more after).
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock);
  for (int i = 0; i < 40; ++i) throttle.record_failure("admin", "attacker-" + std::to_string(i));
  EXPECT_EQ(throttle.retry_after_s("admin", "the-real-admin"), 0);
  EXPECT_EQ(throttle.retry_after_s("bob", "attacker-0"), 0);
}

TEST(LoginThrottlePolicyTest, PastTheUsersCeilingEveryFailureDelaysItsAddress) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.user_ceiling = 3});
  for (const char* address : {"a1", "a2", "a3"}) throttle.record_failure("alice", address);
  EXPECT_EQ(throttle.retry_after_s("alice", "a3"), 0);  // within the ceiling: free
  throttle.record_failure("alice", "a4");               // the fourth: a4 waits at once...
  EXPECT_EQ(throttle.retry_after_s("alice", "a4"), 1);
  throttle.record_failure("alice", "a5");  // ...and each further one longer
  EXPECT_EQ(throttle.retry_after_s("alice", "a5"), 2);
  EXPECT_EQ(throttle.retry_after_s("alice", "a1"), 0);  // earlier addresses are not re-locked
  EXPECT_EQ(throttle.retry_after_s("alice", "fresh-address"), 0);
  EXPECT_EQ(throttle.retry_after_s("bob", "a5"), 0);
}

TEST(LoginThrottlePolicyTest, TheUsersDelayIsSmallAndBounded) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.user_ceiling = 3, .max_user_delay_s = 10});
  for (int i = 0; i < 1000; ++i) throttle.record_failure("alice", "a" + std::to_string(i));
  EXPECT_EQ(throttle.retry_after_s("alice", "a999"), 10);
  clock.advance_ms(10'000);
  EXPECT_EQ(throttle.retry_after_s("alice", "a999"), 0);
}

TEST(LoginThrottlePolicyTest, SuccessClearsThePairButNotTheNamesCount) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_failures = 2, .user_ceiling = 3});
  throttle.record_failure("alice", "home");
  throttle.record_failure("alice", "home");
  throttle.record_success("alice", "home");
  throttle.record_failure("alice", "home");
  EXPECT_EQ(throttle.retry_after_s("alice", "home"), 0);  // the pair restarted at one failure
  throttle.record_failure("alice", "home");  // the name's fourth failure: over its ceiling
  EXPECT_EQ(throttle.retry_after_s("alice", "home"), 1);
}

TEST(LoginThrottlePolicyTest, StaleEntriesArePrunedFirst) {
  ManualClock clock;
  // Every failure writes three entries (pair, address, name); each locks at once.
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_failures = 0, .max_entries = 6});
  throttle.record_failure("old", "a0");
  clock.advance_ms(901 * 1000);
  throttle.record_failure("recent", "a1");  // the stale "old" entries go
  EXPECT_EQ(throttle.size(), 3u);
  throttle.record_failure("new", "a2");
  EXPECT_EQ(throttle.retry_after_s("recent", "a1"), 1);
  EXPECT_EQ(throttle.retry_after_s("new", "a2"), 1);
  EXPECT_EQ(throttle.size(), 6u);
}

TEST(LoginThrottlePolicyTest, FullOfFreshEntriesItForgetsTheLeastRecentlyFailedOnly) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_failures = 0, .max_entries = 6});
  throttle.record_failure("first", "a1");
  throttle.record_failure("second", "a2");
  throttle.record_failure("first", "a1");  // "first" failed last now
  ASSERT_EQ(throttle.retry_after_s("second", "a2"), 1);
  throttle.record_failure("third", "a3");  // full, nothing stale: "second"'s entries go
  EXPECT_EQ(throttle.size(), 6u);
  EXPECT_EQ(throttle.retry_after_s("second", "a2"), 0);
  EXPECT_EQ(throttle.retry_after_s("first", "a1"), 2);  // kept, with its count
  EXPECT_EQ(throttle.retry_after_s("third", "a3"), 1);
}

TEST(LoginThrottlePolicyTest, ManyAddressesNeverGrowTheTableBeyondItsBound) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.max_entries = 300});
  for (int i = 0; i < 10'000; ++i) {
    throttle.record_failure("admin",
                            "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    ASSERT_LE(throttle.size(), 300u);
  }
  // The most recent attacker is still delayed; the real admin from elsewhere is not.
  EXPECT_GT(throttle.retry_after_s("admin", "10.0.39.15"), 0);
  EXPECT_EQ(throttle.retry_after_s("admin", "192.168.1.1"), 0);
}

}  // namespace
}  // namespace polyvox
