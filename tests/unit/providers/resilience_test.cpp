#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "providers/circuit_breaker.h"
#include "providers/resilient_provider.h"
#include "providers/retry_policy.h"

namespace polyvox {
namespace {

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndFailsFast) {
  ManualClock clock;
  CircuitBreaker breaker(clock, {3, 10'000});
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(breaker.admit(), 0);
    breaker.record_failure();
  }
  ASSERT_EQ(breaker.admit(), 0);
  breaker.record_failure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_EQ(breaker.admit(), 10'000);
  clock.advance_ms(4'000);
  EXPECT_EQ(breaker.admit(), 6'000);
}

TEST(CircuitBreakerTest, SuccessResetsTheCount) {
  ManualClock clock;
  CircuitBreaker breaker(clock, {3, 10'000});
  breaker.record_failure();
  breaker.record_failure();
  breaker.record_success();
  breaker.record_failure();
  breaker.record_failure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
}

TEST(CircuitBreakerTest, HalfOpenLetsOneProbeThrough) {
  ManualClock clock;
  CircuitBreaker breaker(clock, {1, 1'000});
  breaker.record_failure();
  clock.advance_ms(1'000);
  EXPECT_EQ(breaker.admit(), 0);  // the probe
  EXPECT_GT(breaker.admit(), 0);  // no second caller while it runs
  breaker.record_failure();       // probe failed: open again
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  clock.advance_ms(1'000);
  EXPECT_EQ(breaker.admit(), 0);
  breaker.record_success();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  EXPECT_EQ(breaker.admit(), 0);
  EXPECT_EQ(breaker.admit(), 0);
}

TEST(RetryPolicyTest, ClassifiesErrors) {
  EXPECT_TRUE(RetryPolicy::retryable({ErrorKind::kRateLimited, "429", ""}));
  EXPECT_TRUE(RetryPolicy::retryable({ErrorKind::kUnavailable, "503", ""}));
  EXPECT_FALSE(RetryPolicy::retryable({ErrorKind::kSynthesisFailed, "401", ""}));
  EXPECT_FALSE(RetryPolicy::retryable({ErrorKind::kInvalidInput, "bad", ""}));
  RetryPolicy policy;
  policy.max_retries = 2;
  const Error transient{ErrorKind::kUnavailable, "x", ""};
  EXPECT_TRUE(policy.may_retry(transient, 1));
  EXPECT_TRUE(policy.may_retry(transient, 2));
  EXPECT_FALSE(policy.may_retry(transient, 3));
}

TEST(RetryPolicyTest, DelaysAreJitteredUnderAGrowingCapAndHonourRetryAfter) {
  RetryPolicy policy;
  policy.base_ms = 1000;
  std::mt19937_64 rng(42);
  const Error transient{ErrorKind::kUnavailable, "x", ""};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    const int64_t cap = 1000LL << (attempt - 1);
    int64_t lo = cap, hi = 0;
    for (int i = 0; i < 500; ++i) {
      const int64_t d = policy.delay_ms(attempt, transient, rng);
      ASSERT_GE(d, 0);
      ASSERT_LE(d, cap);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    EXPECT_LT(lo, cap / 4) << attempt;  // full jitter spreads over the whole range
    EXPECT_GT(hi, cap * 3 / 4) << attempt;
  }
  Error limited{ErrorKind::kRateLimited, "429", ""};
  limited.retry_after_s = 7;
  for (int i = 0; i < 100; ++i) EXPECT_GE(policy.delay_ms(1, limited, rng), 7000);
}

// A provider whose calls block until released, counting how many run at once.
class GatedProvider : public Provider {
 public:
  const std::string& name() const override { return name_; }
  std::string kind() const override { return "gated"; }
  VoiceList voices() const override { return {}; }
  std::optional<std::string> resolve_voice(std::string_view) const override { return "v"; }
  SpeedRange native_speed() const override { return {0.5, 3.0}; }
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest&) override {
    std::unique_lock lock(mutex_);
    max_seen_ = std::max(max_seen_, ++running_);
    entered_.notify_all();
    released_.wait(lock, [&] { return open_; });
    --running_;
    if (throw_) throw std::runtime_error("type must be string, but is number");
    if (fail_) return Error{ErrorKind::kUnavailable, "down", ""};
    return audio::EncodedAudio{"x", audio::AudioEncoding::kPcmS16le, 8000};
  }
  void wait_running(int n) {
    std::unique_lock lock(mutex_);
    entered_.wait(lock, [&] { return running_ >= n; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    open_ = true;
    released_.notify_all();
  }
  int max_seen() {
    std::lock_guard lock(mutex_);
    return max_seen_;
  }
  bool fail_ = false;
  bool throw_ = false;

 private:
  std::string name_ = "gated";
  std::mutex mutex_;
  std::condition_variable entered_, released_;
  int running_ = 0, max_seen_ = 0;
  bool open_ = false;
};

TEST(ResilientProviderTest, LimitsConcurrentCalls) {
  ManualClock clock;
  auto gated = std::make_unique<GatedProvider>();
  GatedProvider* inner = gated.get();
  ResilientProvider provider(std::move(gated), clock, {2, {}});
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) callers.emplace_back([&] { (void)provider.synthesize({"t", "v"}); });
  inner->wait_running(2);
  EXPECT_EQ(provider.in_flight(), 2u);
  inner->release();
  for (auto& t : callers) t.join();
  EXPECT_EQ(inner->max_seen(), 2);
}

TEST(ResilientProviderTest, SpeaksAtTheSpeedsTheInnerProviderMakes) {
  ManualClock clock;
  ResilientProvider provider(std::make_unique<GatedProvider>(), clock, {2, {}});
  EXPECT_EQ(provider.native_speed(), (SpeedRange{0.5, 3.0}));
}

TEST(ResilientProviderTest, OpenCircuitFailsFastWithRetryAfter) {
  ManualClock clock;
  auto gated = std::make_unique<GatedProvider>();
  gated->fail_ = true;
  gated->release();
  ResilientProvider provider(std::move(gated), clock, {0, {2, 20'000}});
  EXPECT_FALSE(provider.synthesize({"t", "v"}).ok());
  EXPECT_FALSE(provider.synthesize({"t", "v"}).ok());
  auto refused = provider.synthesize({"t", "v"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().message.find("circuit is open"), std::string::npos);
  EXPECT_EQ(refused.error().retry_after_s, 20);
}

// A call that throws gives its permit back: with a limit of one, the next call still runs.
TEST(ResilientProviderTest, AnExceptionIsTheCallsFailureAndGivesItsPermitBack) {
  ManualClock clock;
  auto gated = std::make_unique<GatedProvider>();
  GatedProvider* inner = gated.get();
  inner->throw_ = true;
  inner->release();
  ResilientProvider provider(std::move(gated), clock, {1, {}});
  for (int i = 0; i < 3; ++i) {
    auto failed = provider.synthesize({"t", "v"});
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().kind, ErrorKind::kInternal);
    EXPECT_NE(failed.error().message.find("type must be string"), std::string::npos);
  }
  EXPECT_EQ(provider.in_flight(), 0u);
  ASSERT_TRUE(provider.concurrency().has_value());
  EXPECT_EQ(provider.concurrency()->in_flight, 0u);
  inner->throw_ = false;
  EXPECT_TRUE(provider.synthesize({"t", "v"}).ok());
}

TEST(ResilientProviderTest, CancelledWaitGivesUp) {
  ManualClock clock;
  auto gated = std::make_unique<GatedProvider>();
  GatedProvider* inner = gated.get();
  ResilientProvider provider(std::move(gated), clock, {1, {}});
  std::thread holder([&] { (void)provider.synthesize({"t", "v"}); });
  inner->wait_running(1);
  CancelToken cancel;
  cancel.cancel();
  SynthesisRequest request{"t", "v"};
  request.cancel = &cancel;
  auto result = provider.synthesize(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "cancelled");
  inner->release();
  holder.join();
}

}  // namespace
}  // namespace polyvox
