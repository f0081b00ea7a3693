// The resilience policy around a provider, the same for every vendor: an adaptive concurrency
// limit under the configured ceiling (adaptive_limit.h; callers over it wait, cancellably, holding
// no CPU slot) and a circuit breaker. A rate-limit answer lowers the limit and is not a breaker
// failure: the vendor is up, it asks for fewer calls. Retries are not done here: a failed
// call returns at once so that the worker can hand the task back for a delayed retry
// (retry_policy.h) instead of sleeping. Wraps any Provider; wiring wraps every configured one.
#pragma once

#include <atomic>
#include <memory>

#include "core/clock.h"
#include "core/metrics.h"
#include "providers/adaptive_limit.h"
#include "providers/circuit_breaker.h"
#include "providers/provider.h"

namespace polyvox {

struct ResilienceOptions {
  unsigned max_concurrency = 0;  // ceiling of the calls in flight at once; 0 = unlimited
  BreakerOptions breaker;
  int64_t rate_limit_hold_ms = 60'000;  // AdaptiveLimitOptions::hold_ms
};

class ResilientProvider : public Provider {
 public:
  ResilientProvider(std::unique_ptr<Provider> inner, const Clock& clock, ResilienceOptions options,
                    MetricsRegistry* metrics = nullptr);

  const std::string& name() const override { return inner_->name(); }
  std::string kind() const override { return inner_->kind(); }
  VoiceList voices() const override { return inner_->voices(); }
  VoiceList live_voices(const CancelToken* cancel = nullptr) override {
    return inner_->live_voices(cancel);
  }
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return inner_->resolve_voice(voice);
  }
  std::size_t max_request_chars() const override { return inner_->max_request_chars(); }
  std::string cache_identity() const override { return inner_->cache_identity(); }
  bool uses_neighbour_text() const override { return inner_->uses_neighbour_text(); }
  std::optional<ProviderConcurrency> concurrency() const override;
  SpeedRange native_speed() const override { return inner_->native_speed(); }
  bool takes_instructions() const override { return inner_->takes_instructions(); }

  // Waits for a concurrency slot (kUnavailable "cancelled" if cancelled meanwhile), fails fast
  // with kUnavailable and retry_after_s while the circuit is open, otherwise calls the provider
  // and feeds its outcome to the breaker. The first two set *request.not_sent.
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;

  CircuitBreaker::State breaker_state() const { return breaker_.state(); }
  unsigned in_flight() const;

 private:
  std::unique_ptr<Provider> inner_;
  ResilienceOptions options_;
  CircuitBreaker breaker_;
  std::unique_ptr<AdaptiveLimit> limit_;  // null: unlimited
  std::atomic<unsigned> calls_in_flight_{0};
  Counter* calls_ = nullptr;
  Counter* failures_ = nullptr;
  Counter* short_circuited_ = nullptr;
};

}  // namespace polyvox
