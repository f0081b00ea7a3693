// LeaderLease: one holder at a time; renewals keep it; a released lease is taken over at once, a
// dead holder's after its TTL (real time: Redis expires the key).
#include <chrono>
#include <thread>

#include "jobs/redis/leader_lease.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using Steady = std::chrono::steady_clock;
using test_support::shared_redis_server;

class LeaderLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shared_redis_server().ready()); }

  std::unique_ptr<redis::LeaderLease> lease(const std::string& holder, int64_t ttl_ms = 10'000) {
    return std::make_unique<redis::LeaderLease>(
        test_support::redis_pool(shared_redis_server().url()),
        redis::LeaderLeaseOptions{"cleanup", holder, prefix_, ttl_ms});
  }

  const std::string prefix_ = "test-" + random_hex(6) + ":";
};

TEST_F(LeaderLeaseTest, OneHolderAtATime) {
  auto a = lease("node-a"), b = lease("node-b");
  EXPECT_TRUE(*a->try_acquire());
  EXPECT_FALSE(*b->try_acquire());
  EXPECT_TRUE(*a->try_acquire());  // a renewal
  EXPECT_TRUE(a->held());
  EXPECT_FALSE(b->held());
  EXPECT_EQ(shared_redis_server().command({"GET", prefix_ + "leader:cleanup"}), "node-a");
}

TEST_F(LeaderLeaseTest, ReleasedLeaseIsTakenOverAtOnce) {
  auto a = lease("node-a"), b = lease("node-b");
  ASSERT_TRUE(*a->try_acquire());
  ASSERT_TRUE(a->release().ok());
  EXPECT_FALSE(a->held());
  EXPECT_TRUE(*b->try_acquire());
  EXPECT_FALSE(*a->try_acquire());
}

TEST_F(LeaderLeaseTest, DeadHoldersLeaseIsTakenOverAfterItsTtl) {
  constexpr int64_t kTtlMs = 300;
  auto dead = lease("node-dead", kTtlMs), b = lease("node-b", kTtlMs);
  const auto start = Steady::now();
  ASSERT_TRUE(*dead->try_acquire());  // and never renews nor releases it
  bool taken = false;
  while (!taken && Steady::now() - start < std::chrono::seconds(5)) {
    taken = *b->try_acquire();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling Redis
  }
  EXPECT_TRUE(taken);
  EXPECT_GE(Steady::now() - start, std::chrono::milliseconds(kTtlMs - 50));
  EXPECT_FALSE(dead->held());  // its own view lapsed before Redis expired the key
  EXPECT_FALSE(*dead->try_acquire());
}

TEST_F(LeaderLeaseTest, CampaigningThreadKeepsTheLeaseAndStopHandsItOver) {
  constexpr int64_t kTtlMs = 300;
  auto a = lease("node-a", kTtlMs), b = lease("node-b", kTtlMs);
  a->start();
  const auto deadline = Steady::now() + std::chrono::seconds(5);
  while (!a->held() && Steady::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(a->held());
  // Renewed every TTL/3: still held after several TTLs.
  const auto until = Steady::now() + std::chrono::milliseconds(3 * kTtlMs);
  while (Steady::now() < until) {
    ASSERT_FALSE(*b->try_acquire());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling Redis
  }
  a->stop();
  EXPECT_FALSE(a->held());
  EXPECT_TRUE(*b->try_acquire());
}

}  // namespace
}  // namespace polyvox
