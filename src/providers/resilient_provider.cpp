#include "providers/resilient_provider.h"

#include <chrono>

namespace polyvox {

ResilientProvider::ResilientProvider(std::unique_ptr<Provider> inner, const Clock& clock,
                                     ResilienceOptions options, MetricsRegistry* metrics)
    : inner_(std::move(inner)), options_(options), breaker_(clock, options.breaker) {
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

unsigned ResilientProvider::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
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
  {
    std::unique_lock lock(mutex_);
    while (options_.max_concurrency > 0 && in_flight_ >= options_.max_concurrency) {
      if (request.cancel && request.cancel->cancelled()) {
        breaker_.record_neutral();
        if (request.not_sent) *request.not_sent = true;
        return Error{ErrorKind::kUnavailable, "cancelled", ""};
      }
      slot_freed_.wait_for(lock, std::chrono::milliseconds(100));
    }
    ++in_flight_;
  }
  auto result = inner_->synthesize(request);
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  slot_freed_.notify_one();
  if (calls_) calls_->add();
  if (result) {
    breaker_.record_success();
  } else if (result.error().kind == ErrorKind::kUnavailable ||
             result.error().kind == ErrorKind::kRateLimited) {
    if (failures_) failures_->add();
    breaker_.record_failure();
  } else {
    if (failures_) failures_->add();
    breaker_.record_neutral();
  }
  return result;
}

}  // namespace polyvox
