#include "app/memory_releaser.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace polyvox {
namespace {

using namespace std::chrono_literals;

TEST(MemoryReleaserTest, ReleasesAfterWorkWasNotedAndOnceMoreAfterTheLast) {
  int releases = 0;
  MemoryReleaser releaser([&releases] { ++releases; }, 1h);
  EXPECT_FALSE(releaser.tick());  // nothing ended yet: the heaps are not walked
  EXPECT_EQ(releases, 0);
  releaser.note_work();
  releaser.note_work();
  EXPECT_TRUE(releaser.tick());  // once for all the work noted since the last tick
  EXPECT_EQ(releases, 1);
  releaser.note_work();
  EXPECT_TRUE(releaser.tick());  // more work
  EXPECT_EQ(releases, 2);
  EXPECT_TRUE(releaser.tick());  // the trailing release after the last work
  EXPECT_EQ(releases, 3);
  EXPECT_FALSE(releaser.tick());  // idle: nothing more
  EXPECT_FALSE(releaser.tick());
  EXPECT_EQ(releases, 3);
  releaser.note_work();
  EXPECT_TRUE(releaser.tick());
  EXPECT_TRUE(releaser.tick());
  EXPECT_FALSE(releaser.tick());
  EXPECT_EQ(releases, 5);
}

TEST(MemoryReleaserTest, ItsThreadReleasesWhatWorkLeftAndStops) {
  std::promise<void> released;
  std::atomic<int> releases{0};
  MemoryReleaser releaser(
      [&] {
        if (releases.fetch_add(1) == 1) released.set_value();
      },
      1ms);
  releaser.start();
  releaser.note_work();
  ASSERT_EQ(released.get_future().wait_for(30s), std::future_status::ready);
  releaser.stop();
  const int after_stop = releases.load();
  EXPECT_EQ(after_stop, 2);  // one noted piece of work: its release and the trailing one, however
                             // many ticks ran
  releaser.note_work();      // stopped: nothing ticks any more, the work stays noted
  EXPECT_TRUE(releaser.tick());
  EXPECT_EQ(releases.load(), 3);
  releaser.stop();  // idempotent
}

}  // namespace
}  // namespace polyvox
