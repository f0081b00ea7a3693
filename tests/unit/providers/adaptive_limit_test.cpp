// The adaptive concurrency limit: halving on rate limits (once per decrease), growing back after
// runs of successes, capped for a while under the concurrency a rate limit came at; and end to
// end, a vendor mock that allows 3 calls at once behind a ResilientProvider.
#include "providers/adaptive_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "cloud_test_env.h"
#include "providers/openai_provider.h"
#include "providers/resilient_provider.h"

namespace polyvox {
namespace {

using Outcome = AdaptiveLimit::Outcome;

TEST(AdaptiveLimitTest, StartsAtTheCeilingAndHalvesOncePerDecrease) {
  ManualClock clock;
  AdaptiveLimit limit(clock, {.ceiling = 32, .hold_ms = 60'000});
  EXPECT_EQ(limit.snapshot().limit, 32u);
  std::vector<AdaptiveLimit::Permit> permits;
  for (int i = 0; i < 32; ++i) permits.push_back(*limit.acquire(nullptr));
  EXPECT_EQ(limit.snapshot().in_flight, 32u);
  // Every call of the burst is refused: they were all sent at the old concurrency.
  for (const auto& p : permits) limit.release(p, Outcome::kRateLimited);
  EXPECT_EQ(limit.snapshot().limit, 16u);
  EXPECT_EQ(limit.snapshot().decreases, 1u);
  EXPECT_EQ(limit.snapshot().in_flight, 0u);
  // A call started after the decrease that is refused halves it again.
  limit.release(*limit.acquire(nullptr), Outcome::kRateLimited);
  EXPECT_EQ(limit.snapshot().limit, 8u);
}

TEST(AdaptiveLimitTest, GrowsByOnePerRunOfSuccessesUpToTheCeiling) {
  ManualClock clock;
  AdaptiveLimit limit(clock, {.ceiling = 4, .hold_ms = 1000});
  limit.release(*limit.acquire(nullptr), Outcome::kRateLimited);  // 4 -> 2
  ASSERT_EQ(limit.snapshot().limit, 2u);
  clock.advance_ms(1000);  // the hold is over: the ceiling is the only cap
  for (int i = 0; i < 2; ++i) limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 3u);
  for (int i = 0; i < 2; ++i) limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 3u);  // a run is as long as the limit
  limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 4u);
  for (int i = 0; i < 20; ++i) limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 4u);  // never past the ceiling
  limit.release(*limit.acquire(nullptr), Outcome::kOther);
  EXPECT_EQ(limit.snapshot().limit, 4u);  // other failures say nothing about the rate
}

TEST(AdaptiveLimitTest, ARateLimitCapsTheGrowthUnderItsConcurrencyWhileHeld) {
  ManualClock clock;
  AdaptiveLimit limit(clock, {.ceiling = 8, .hold_ms = 10'000});
  std::vector<AdaptiveLimit::Permit> permits;
  for (int i = 0; i < 4; ++i) permits.push_back(*limit.acquire(nullptr));
  limit.release(permits[3], Outcome::kRateLimited);  // refused with 4 in flight: 3 are fine
  for (int i = 0; i < 3; ++i) limit.release(permits[i], Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 4u);  // 8 / 2
  for (int i = 0; i < 50; ++i) limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 4u);  // held at max(3, its limit then)
  clock.advance_ms(10'000);
  for (int i = 0; i < 4; ++i) limit.release(*limit.acquire(nullptr), Outcome::kSuccess);
  EXPECT_EQ(limit.snapshot().limit, 5u);  // probing again once the hold is over
}

TEST(AdaptiveLimitTest, WaitersProceedAsSlotsFreeAndACancelledOneGivesUp) {
  ManualClock clock;
  AdaptiveLimit limit(clock, {.ceiling = 1});
  const auto held = *limit.acquire(nullptr);
  CancelToken cancel;
  cancel.cancel();
  EXPECT_FALSE(limit.acquire(&cancel).has_value());
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    const auto permit = limit.acquire(nullptr);
    got = permit.has_value();
    limit.release(*permit, Outcome::kSuccess);
  });
  limit.release(held, Outcome::kSuccess);
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(limit.snapshot().in_flight, 0u);
}

class AdaptiveVendorTest : public test_support::MockVendorTest {};

TEST_F(AdaptiveVendorTest, AVendorAllowingThreeCallsGetsThreeAndItsRateLimitsStop) {
  mocks_->settings("openai", {{"max_concurrent", 3}, {"delay_s", 0.02}});
  SystemClock clock;
  ResilientProvider provider(std::make_unique<OpenAiProvider>(configured("openai"), http_), clock,
                             ResilienceOptions{.max_concurrency = 32});
  // 32 callers, 6 answers each; a refused call is sent again at once (the limit, not a sleep,
  // keeps it from hammering the vendor).
  constexpr int kCallers = 32, kAnswers = 6;
  std::mutex mutex;
  std::vector<bool> outcomes;  // in the order the calls ended: true = rate limited
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      for (int done = 0; done < kAnswers;) {
        auto audio = provider.synthesize({"Hello there.", "alloy"});
        ASSERT_TRUE(audio.ok() || audio.error().kind == ErrorKind::kRateLimited)
            << audio.error().message;
        std::lock_guard lock(mutex);
        outcomes.push_back(!audio.ok());
        if (audio.ok()) ++done;
      }
    });
  }
  for (auto& t : callers) t.join();
  int refused = 0, refused_late = 0;
  const std::size_t late = outcomes.size() / 2;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    refused += outcomes[i];
    if (i >= late) refused_late += outcomes[i];
  }
  EXPECT_EQ(outcomes.size() - refused, static_cast<std::size_t>(kCallers * kAnswers));
  EXPECT_EQ(refused_late, 0) << "rate limits went on: " << refused << " in all";
  EXPECT_LT(refused, 64) << "the first burst and a few probes, not one per call";
  EXPECT_EQ(mocks_->control_stats("openai")["rate_limited"], refused);
  const auto concurrency = provider.concurrency();
  ASSERT_TRUE(concurrency.has_value());
  EXPECT_EQ(concurrency->ceiling, 32u);
  EXPECT_LE(concurrency->limit, 3u);
  EXPECT_GE(concurrency->limit, 1u);
}

}  // namespace
}  // namespace polyvox
