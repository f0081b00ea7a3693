// Throttling of failed logins on a clock the test moves: a few free failures per (name, address),
// then locks that double up to a cap; wider limits per address and per name; a window after
// which failures are forgotten; bounded memory.
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

TEST(LoginThrottlePolicyTest, ManyAddressesTryingOneNameLockThatName) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_user_failures = 3});
  for (const char* address : {"a1", "a2", "a3", "a4"}) throttle.record_failure("alice", address);
  EXPECT_EQ(throttle.retry_after_s("alice", "fresh-address"), 1);
  EXPECT_EQ(throttle.retry_after_s("bob", "fresh-address"), 0);
}

TEST(LoginThrottlePolicyTest, SuccessClearsThePairButNotTheNamesCount) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock,
                                 ThrottlePolicy{.free_failures = 2, .free_user_failures = 3});
  throttle.record_failure("alice", "home");
  throttle.record_failure("alice", "home");
  throttle.record_success("alice", "home");
  throttle.record_failure("alice", "home");
  EXPECT_EQ(throttle.retry_after_s("alice", "home"), 0);  // the pair restarted at one failure
  throttle.record_failure("alice", "home");  // the name's fourth failure: over its three free
  EXPECT_EQ(throttle.retry_after_s("alice", "home"), 1);
}

TEST(LoginThrottlePolicyTest, StaleEntriesArePrunedFirstWhenFull) {
  ManualClock clock;
  // Every failure writes three entries (pair, address, name); each locks at once.
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_failures = 0, .max_entries = 6});
  throttle.record_failure("old", "a0");
  clock.advance_ms(901 * 1000);
  throttle.record_failure("recent", "a1");
  throttle.record_failure("new", "a2");  // full: the stale "old" entries go, the rest stay
  EXPECT_EQ(throttle.retry_after_s("recent", "a1"), 1);
  EXPECT_EQ(throttle.retry_after_s("new", "a2"), 1);
}

TEST(LoginThrottlePolicyTest, FullOfFreshEntriesItForgetsRatherThanGrows) {
  ManualClock clock;
  InMemoryLoginThrottle throttle(clock, ThrottlePolicy{.free_failures = 0, .max_entries = 3});
  throttle.record_failure("first", "a1");
  ASSERT_EQ(throttle.retry_after_s("first", "a1"), 1);
  throttle.record_failure("second", "a2");  // full, nothing stale: everything is dropped
  EXPECT_EQ(throttle.retry_after_s("first", "a1"), 0);
  EXPECT_EQ(throttle.retry_after_s("second", "a2"), 1);
}

}  // namespace
}  // namespace polyvox
