// The distributed mode's WebhookOutbox: P webhook:<id> hashes indexed by due time in P
// webhooks:due (layout: redis_job_store.h), written by the Lua script that finishes a job
// (prelude.lua's enqueue_webhook), claimed and recorded by claim_webhooks.lua and
// record_webhook.lua, so that any number of workers can send at once without sending one
// delivery twice while its lease holds.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"
#include "jobs/webhook_outbox.h"

namespace polyvox::redis {

class RedisWebhookOutbox final : public WebhookOutbox {
 public:
  // An outbox on `pool` under `key_prefix` (the job store's), on `clock` (not owned; must
  // outlive it; the job store's, since due times and leases are compared across nodes). Touches
  // no network.
  RedisWebhookOutbox(std::shared_ptr<Pool> pool, std::string key_prefix, const Clock& clock)
      : pool_(std::move(pool)), keys_{std::move(key_prefix)}, clock_(clock) {}

  // WebhookOutbox (contracts in jobs/webhook_outbox.h); kUnavailable when Redis cannot be
  // reached.
  Result<std::vector<WebhookDelivery>> claim_webhooks(int64_t lease_ms, std::size_t limit) override;
  Result<bool> record_webhook_attempt(const WebhookDelivery& delivery,
                                      const WebhookAttemptRecord& record) override;
  Result<std::optional<WebhookDelivery>> find_webhook(const std::string& id) override;

 private:
  std::shared_ptr<Pool> pool_;
  const Keys keys_;
  const Clock& clock_;
};

}  // namespace polyvox::redis
