// The worker side of webhooks: claims due deliveries from the outbox, POSTs each job's final
// /status body to its webhook_url signed with the owner's secret (webhook_signature.h), and
// records the outcome: a 2xx answer delivers it; anything else (another status, a timeout, a
// refused address) is retried with exponential backoff (never sooner than a 429/503 answer's
// Retry-After, capped at the longest backoff) until give_up_after_ms after the job finished,
// then given up and logged. A webhook never changes its job. Runs in every process
// that runs workers (`serve` in embedded mode, `worker`); several processes may send at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/user_store.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "http/http_client.h"
#include "jobs/job_store.h"
#include "jobs/webhook_outbox.h"

namespace polyvox {

struct WebhookSenderOptions {
  unsigned senders = 4;                   // deliveries sent at once (threads)
  int64_t poll_ms = 1'000;                // how often an idle sender looks for due deliveries
  int64_t lease_ms = 20'000;              // longer than an attempt can last (total_timeout)
  int64_t retry_base_ms = 10'000;         // WEBHOOK_RETRY_BASE_SECONDS: the first delay
  int64_t retry_max_ms = 3'600'000;       // delays double up to this
  int64_t give_up_after_ms = 86'400'000;  // no attempt later than this after the job finished
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{15'000};
  std::size_t max_response_bytes = 4'096;  // what is read of an answer (never logged)
};

// The delay before attempt `attempt` + 1 after attempt `attempt` (1-based) failed:
// retry_base_ms doubling with each attempt, at most retry_max_ms, times a jitter factor from
// 0.8 to 1.2 chosen by `unit` in [0, 1) (and still at most retry_max_ms). Pure.
int64_t webhook_retry_delay_ms(int attempt, const WebhookSenderOptions& options, double unit);

// The body of a job's webhook: its final GET /status body with links under `base_url`
// (api/job_views.h, injected by the composition root).
using WebhookBodyBuilder =
    std::function<std::string(const JobRecord& job, const std::string& base_url)>;

class WebhookSender {
 public:
  // Sends through `http`, which must have an address policy (HttpClientOptions::address_policy)
  // when the URLs come from users. Everything must outlive the sender.
  WebhookSender(WebhookOutbox& outbox, JobStore& jobs, UserStore& users,
                std::shared_ptr<const http::HttpClient> http, const Clock& clock,
                WebhookBodyBuilder body, WebhookSenderOptions options);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Claims the deliveries due now (up to `limit`) and makes one attempt at each; returns how
  // many it attempted. Thread-safe (the sender threads call it too).
  std::size_t run_once(std::size_t limit = 16);

  // options.senders threads, each attempting one due delivery at a time, until stop().
  void start();
  // Stops the threads; an attempt in flight is abandoned (its lease expires and it is sent
  // again). Idempotent.
  void stop();

 private:
  // One attempt at `delivery` (as claimed), and its outcome recorded.
  void attempt(const WebhookDelivery& delivery);
  // Records `record` for `delivery`, logging a lost lease.
  void record(const WebhookDelivery& delivery, const WebhookAttemptRecord& record);
  // A retry of `delivery` after `attempt` failed with `error`, no sooner than the backoff nor
  // than `not_before_ms` from now (the receiver's Retry-After), or the end of it when no retry
  // fits before give_up_after_ms.
  WebhookAttemptRecord after_failure(const WebhookDelivery& delivery, int attempt,
                                     const std::string& body, const std::string& error,
                                     int64_t not_before_ms = 0);
  double jitter_unit();

  WebhookOutbox& outbox_;
  JobStore& jobs_;
  UserStore& users_;
  std::shared_ptr<const http::HttpClient> http_;
  const Clock& clock_;
  WebhookBodyBuilder body_;
  const WebhookSenderOptions options_;
  CancelToken cancel_;                    // cancelled by stop(): requests in flight end
  std::atomic<bool> outbox_down_{false};  // the last claim failed (logged once)

  std::mutex random_mutex_;
  std::mt19937_64 random_;  // guarded by random_mutex_

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace polyvox
