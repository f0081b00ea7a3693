// The WebhookOutbox seam: the webhook deliveries of finished jobs, waiting to be sent. A
// delivery is written by the JobStore in the same atomic step that gives a job with a
// webhook_url its final state (completed, failed or cancelled): no crash can come between the
// two, so every such job's webhook is sent at least once. Implementations sit beside their
// JobStore (jobs/sqlite/, jobs/redis/); the sender is webhooks/webhook_sender.h.
//
// Deliveries are leased like tasks: a claim leases a due delivery until now + lease_ms and bumps
// its lease number (a fencing token); only that claim may record the attempt's outcome, so a
// sender that stalled past its lease cannot overwrite what a later one recorded. A delivery whose
// sender died is claimed again once its lease expires. Every method is thread-safe and safe
// across processes (several workers may send at once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace polyvox {

struct WebhookDelivery {
  std::string id;  // "msg_<job id>": the webhook-id header, the same on every attempt
  std::string job_id;
  std::string owner;          // the job owner's user id: whose secret signs it
  std::string url;            // where it goes (the job's webhook_url)
  std::string base_url;       // base of the links in its body (NewJob::base_url)
  int64_t created_at_ms = 0;  // when the job reached its final state
  int attempts = 0;           // attempts recorded before this claim
  std::string body;           // as sent by the first attempt; empty until one was recorded
  std::string last_error;     // why the last recorded attempt failed
  int64_t lease = 0;          // this claim's fencing token
};

// What became of one attempt.
struct WebhookAttemptRecord {
  enum class Outcome {
    kDelivered,  // a 2xx answer: the delivery is done and removed
    kRetry,      // failed: try again at retry_at_ms
    kGaveUp,     // failed for good (retries exhausted, job or owner gone): removed
  };
  Outcome outcome = Outcome::kRetry;
  int64_t retry_at_ms = 0;  // kRetry: when, on the store's clock
  std::string body;         // kRetry: the body sent, kept for the next attempts
  std::string error;        // kRetry: why it failed
};

class WebhookOutbox {
 public:
  virtual ~WebhookOutbox() = default;

  // Leases up to `limit` deliveries due now (oldest due first) until now + `lease_ms`, each with
  // a new lease number. Empty when none is due. kUnavailable when the backend cannot be reached.
  virtual Result<std::vector<WebhookDelivery>> claim_webhooks(int64_t lease_ms,
                                                              std::size_t limit) = 0;

  // Records the outcome of the attempt `delivery` (as claimed) made. False (not an error) when
  // its lease was lost: a later claim holds or finished the delivery, nothing was changed.
  // kRetry adds one to attempts and keeps the body the delivery had if it had one, else
  // record.body.
  virtual Result<bool> record_webhook_attempt(const WebhookDelivery& delivery,
                                              const WebhookAttemptRecord& record) = 0;

  // The delivery `id` as it is stored (lease not taken), or nullopt when there is none (never
  // written, delivered or given up). For tests and inspection.
  virtual Result<std::optional<WebhookDelivery>> find_webhook(const std::string& id) = 0;
};

// The id of the webhook delivery of job `job_id`.
inline std::string webhook_delivery_id(const std::string& job_id) { return "msg_" + job_id; }

}  // namespace polyvox
