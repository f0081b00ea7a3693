#include "webhooks/webhook_sender.h"

#include <algorithm>
#include <cmath>

#include "log/log.h"
#include "webhooks/webhook_signature.h"

namespace polyvox {
namespace {

using Outcome = WebhookAttemptRecord::Outcome;

WebhookAttemptRecord ended(Outcome outcome) { return WebhookAttemptRecord{outcome, 0, "", ""}; }

}  // namespace

int64_t webhook_retry_delay_ms(int attempt, const WebhookSenderOptions& options, double unit) {
  const int doublings = std::clamp(attempt - 1, 0, 40);
  const double base = static_cast<double>(options.retry_base_ms) * std::ldexp(1.0, doublings);
  const double capped = std::min(base, static_cast<double>(options.retry_max_ms));
  const double jittered = capped * (0.8 + 0.4 * std::clamp(unit, 0.0, 1.0));
  return static_cast<int64_t>(std::min(jittered, static_cast<double>(options.retry_max_ms)));
}

WebhookSender::WebhookSender(WebhookOutbox& outbox, JobStore& jobs, UserStore& users,
                             std::shared_ptr<const http::HttpClient> http, const Clock& clock,
                             WebhookBodyBuilder body, WebhookSenderOptions options)
    : outbox_(outbox),
      jobs_(jobs),
      users_(users),
      http_(std::move(http)),
      clock_(clock),
      body_(std::move(body)),
      options_(options),
      random_(std::random_device{}()) {}

WebhookSender::~WebhookSender() { stop(); }

double WebhookSender::jitter_unit() {
  std::lock_guard lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

std::size_t WebhookSender::run_once(std::size_t limit) {
  auto claimed = outbox_.claim_webhooks(options_.lease_ms, limit);
  if (!claimed) {  // said once, not by every poll while the store is down
    if (!outbox_down_.exchange(true)) {
      log::warn("webhook outbox unavailable", {{"error", claimed.error().message}});
    }
    return 0;
  }
  if (outbox_down_.exchange(false)) log::info("webhook outbox reachable");
  for (const WebhookDelivery& delivery : *claimed) attempt(delivery);
  return claimed->size();
}

void WebhookSender::attempt(const WebhookDelivery& d) {
  const int attempt = d.attempts + 1;
  // The body: as the first recorded attempt sent it, else built now from the finished job.
  std::string body = d.body;
  if (body.empty()) {
    auto job = jobs_.get_job(d.job_id, true);
    if (!job && job.error().kind == ErrorKind::kNotFound) {
      log::warn("webhook given up", {{"webhook_id", d.id},
                                     {"job_id", d.job_id},
                                     {"attempts", 0LL},
                                     {"error", "the job was deleted before its webhook was sent"}});
      return record(d, ended(Outcome::kGaveUp));
    }
    if (!job) return record(d, after_failure(d, attempt, "", job.error().message));
    body = body_(*job, d.base_url);
  }
  auto secret = users_.webhook_secret(d.owner, new_webhook_secret());
  if (!secret && secret.error().kind == ErrorKind::kNotFound) {
    log::warn("webhook given up", {{"webhook_id", d.id},
                                   {"job_id", d.job_id},
                                   {"attempts", static_cast<long long>(d.attempts)},
                                   {"error", "the job's owner was removed"}});
    return record(d, ended(Outcome::kGaveUp));
  }
  if (!secret) return record(d, after_failure(d, attempt, body, secret.error().message));

  const int64_t timestamp_s = clock_.now_ms() / 1000;
  auto signature = sign_webhook(*secret, d.id, timestamp_s, body);
  if (!signature) {  // a stored secret that is not one: nothing can be signed with it
    log::error("webhook given up", {{"webhook_id", d.id},
                                    {"job_id", d.job_id},
                                    {"error", "the owner's webhook secret is malformed"}});
    return record(d, ended(Outcome::kGaveUp));
  }
  http::HttpClientRequest request;
  request.method = "POST";
  request.url = d.url;
  request.headers = {{"Content-Type", "application/json"},
                     {"webhook-id", d.id},
                     {"webhook-timestamp", std::to_string(timestamp_s)},
                     {"webhook-signature", *signature}};
  request.body = std::move(body);
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.total_timeout;
  request.max_response_bytes = options_.max_response_bytes;
  request.truncate_response = true;
  request.cancel = &cancel_;
  request.secret_path = true;
  auto response = http_->send(request);
  if (cancel_.cancelled()) return;  // stopping: the lease expires and it is sent again

  const std::string url = http::url_origin(d.url);  // its path may hold a secret
  if (response && response->status >= 200 && response->status < 300) {
    log::info("webhook delivered", {{"webhook_id", d.id},
                                    {"job_id", d.job_id},
                                    {"url", url},
                                    {"status", static_cast<long long>(response->status)},
                                    {"attempt", static_cast<long long>(attempt)}});
    return record(d, ended(Outcome::kDelivered));
  }
  // The answer's body is not logged: it is the receiver's, whatever it holds.
  const std::string error =
      response ? "HTTP " + std::to_string(response->status) : response.error().message;
  if (!response && response.error().kind == ErrorKind::kInvalidInput) {  // never sendable
    log::warn("webhook given up", {{"webhook_id", d.id},
                                   {"job_id", d.job_id},
                                   {"url", url},
                                   {"attempts", static_cast<long long>(attempt)},
                                   {"error", error}});
    return record(d, ended(Outcome::kGaveUp));
  }
  // A receiver that asked to be left alone for a while (429/503 with Retry-After) is not
  // tried sooner than it said, up to the longest backoff.
  int64_t not_before_ms = 0;
  if (response && (response->status == 429 || response->status == 503)) {
    const auto seconds = http::retry_after_seconds(*response, clock_.now_ms() / 1000);
    if (seconds) not_before_ms = std::min<int64_t>(int64_t{*seconds} * 1000, options_.retry_max_ms);
  }
  record(d, after_failure(d, attempt, request.body, error, not_before_ms));
}

WebhookAttemptRecord WebhookSender::after_failure(const WebhookDelivery& d, int attempt,
                                                  const std::string& body, const std::string& error,
                                                  int64_t not_before_ms) {
  const int64_t now = clock_.now_ms();
  const int64_t delay =
      std::max(webhook_retry_delay_ms(attempt, options_, jitter_unit()), not_before_ms);
  const std::string url = http::url_origin(d.url);  // its path may hold a secret
  if (now + delay > d.created_at_ms + options_.give_up_after_ms) {
    log::error("webhook given up", {{"webhook_id", d.id},
                                    {"job_id", d.job_id},
                                    {"url", url},
                                    {"attempts", static_cast<long long>(attempt)},
                                    {"error", error}});
    return ended(Outcome::kGaveUp);
  }
  log::warn("webhook attempt failed", {{"webhook_id", d.id},
                                       {"job_id", d.job_id},
                                       {"url", url},
                                       {"attempt", static_cast<long long>(attempt)},
                                       {"error", error},
                                       {"retry_in_ms", static_cast<long long>(delay)}});
  return WebhookAttemptRecord{Outcome::kRetry, now + delay, body, error};
}

void WebhookSender::record(const WebhookDelivery& d, const WebhookAttemptRecord& outcome) {
  auto recorded = outbox_.record_webhook_attempt(d, outcome);
  if (!recorded) {
    log::warn("webhook attempt not recorded",
              {{"webhook_id", d.id}, {"error", recorded.error().message}});
  } else if (!*recorded) {
    log::warn("webhook attempt not recorded",
              {{"webhook_id", d.id}, {"error", "its lease was taken over"}});
  }
}

void WebhookSender::start() {
  for (unsigned i = 0; i < std::max(1u, options_.senders); ++i) {
    threads_.emplace_back([this] {
      std::unique_lock lock(mutex_);
      while (!stopping_) {
        lock.unlock();
        std::size_t attempted = 0;
        (void)log::catching("webhook sender", [&] { attempted = run_once(1); });
        lock.lock();
        if (attempted == 0) {
          wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                         [this] { return stopping_; });
        }
      }
    });
  }
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancel_.cancel();
  wake_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace polyvox
