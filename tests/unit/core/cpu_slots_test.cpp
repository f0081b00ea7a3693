// CpuSlots: at most `size` leases at once; a lease gives its slot back when it ends; a waiting
// acquire() goes on when a slot is given back.
#include "core/cpu_slots.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace polyvox {
namespace {

TEST(CpuSlots, NoMoreLeasesThanSlots) {
  CpuSlots slots(2);
  EXPECT_EQ(slots.size(), 2u);
  CpuSlots::Lease a = slots.acquire();
  CpuSlots::Lease b = slots.try_acquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(slots.try_acquire());
  b.reset();
  CpuSlots::Lease c = slots.try_acquire();
  EXPECT_TRUE(c);
  EXPECT_FALSE(slots.try_acquire());
}

TEST(CpuSlots, MovingALeaseKeepsOneSlot) {
  CpuSlots slots(1);
  CpuSlots::Lease a = slots.acquire();
  CpuSlots::Lease b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from leases are empty by contract
  EXPECT_TRUE(b);
  EXPECT_FALSE(slots.try_acquire());
  a = std::move(b);
  EXPECT_FALSE(slots.try_acquire());
  a = CpuSlots::Lease();  // gives the slot back
  EXPECT_TRUE(slots.try_acquire());
}

TEST(CpuSlots, AWaitingAcquireGoesOnWhenASlotIsGivenBack) {
  CpuSlots slots(1);
  CpuSlots::Lease held = slots.acquire();
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    CpuSlots::Lease lease = slots.acquire();
    got = true;
  });
  EXPECT_FALSE(got.load());  // cannot have a slot: `held` has the only one
  held.reset();
  waiter.join();  // returns only if acquire() went on
  EXPECT_TRUE(got.load());
  EXPECT_TRUE(slots.try_acquire());  // and the waiter gave it back
}

TEST(CpuSlots, ManyThreadsNeverHoldMoreThanTheSlots) {
  CpuSlots slots(3);
  std::atomic<int> holding{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        CpuSlots::Lease lease = slots.acquire();
        const int now = ++holding;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --holding;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

TEST(CpuSlots, ZeroMeansOnePerCore) {
  CpuSlots slots(0);
  EXPECT_EQ(slots.size(), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_FALSE(acquire_slot(nullptr));  // no bound: an empty lease, nothing waited for
  EXPECT_TRUE(acquire_slot(&slots));
}

}  // namespace
}  // namespace polyvox
