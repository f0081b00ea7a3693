#include "providers/resilient_provider.h"

#include <chrono>

namespace polyvox {

ResilientProvider::ResilientProvider(std::unique_ptr<Provider> inner, const Clock& clock,
                                     ResilienceOptions options, MetricsRegistry* metrics)
    : inner_(std::move(inner)), options_(options), breaker_(clock, options.breaker) {
  if (options_.max_concurrency > 0) {
    limit_ = std::make_unique<AdaptiveLimit>(
        clock, AdaptiveLimitOptions{options_.max_concurrency, options_.rate_limit_hold_ms});
  }
  if (metrics) {
    const std::vector<std::string> labels{inner_->name()};
    calls_ =
        &metrics->counter("polyvox_provider_calls_total", "Calls made to a provider", {"provider"})
             .with(labels);
    failures_ = &metrics
                     ->counter("polyvox_provider_failures_total", "Provider calls that failed",
                               {"provider"})
                     .with(labels);
    short_circuited_ = &metrics
                            ->counter("polyvox_provider_short_circuited_total",
                                      "Calls refused while the circuit was open", {"provider"})
                            .with(labels);
  }
}

unsigned ResilientProvider::in_flight() const { return calls_in_flight_.load(); }

std::optional<ProviderConcurrency> ResilientProvider::concurrency() const {
  if (!limit_) return ProviderConcurrency{0, 0, calls_in_flight_.load()};
  const AdaptiveLimit::Snapshot s = limit_->snapshot();
  return ProviderConcurrency{s.ceiling, s.limit, s.in_flight};
}

Result<audio::EncodedAudio> ResilientProvider::synthesize(const SynthesisRequest& request) {
  if (const int64_t wait_ms = breaker_.admit(); wait_ms > 0) {
    if (short_circuited_) short_circuited_->add();
    if (request.not_sent) *request.not_sent = true;
    Error e{ErrorKind::kUnavailable, "provider '" + name() + "' is failing; its circuit is open",
            ""};
    e.retry_after_s = static_cast<int>((wait_ms + 999) / 1000);
    return e;
  }
  std::optional<AdaptiveLimit::Permit> permit;
  if (limit_) {
    permit = limit_->acquire(request.cancel);
    if (!permit) {
      breaker_.record_neutral();
      if (request.not_sent) *request.not_sent = true;
      return Error{ErrorKind::kUnavailable, "cancelled", ""};
    }
  }
  ++calls_in_flight_;  // every call, limited or not
  // An exception (a vendor answer no check foresaw, memory) is this call's failure: the permit,
  // the count in flight and a half-open circuit's probe are given back below whatever happens.
  auto result = [&]() -> Result<audio::EncodedAudio> {
    try {
      return inner_->synthesize(request);
    } catch (const std::exception& e) {
      return Error{ErrorKind::kInternal, "provider '" + name() + "' failed: " + e.what(), ""};
    }
  }();
  --calls_in_flight_;
  const bool rate_limited = !result && (result.error().kind == ErrorKind::kRateLimited ||
                                        result.error().retry_after_s > 0);
  if (limit_) {
    limit_->release(*permit, result         ? AdaptiveLimit::Outcome::kSuccess
                             : rate_limited ? AdaptiveLimit::Outcome::kRateLimited
                                            : AdaptiveLimit::Outcome::kOther);
  }
  if (calls_) calls_->add();
  if (result) {
    breaker_.record_success();
  } else if (rate_limited) {
    if (failures_) failures_->add();
    breaker_.record_neutral();  // the vendor is up; the limit above slows down instead
  } else if (result.error().kind == ErrorKind::kUnavailable) {
    if (failures_) failures_->add();
    breaker_.record_failure();
  } else {
    if (failures_) failures_->add();
    breaker_.record_neutral();
  }
  return result;
}

}  // namespace polyvox
