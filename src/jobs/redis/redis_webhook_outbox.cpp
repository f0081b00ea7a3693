#include "jobs/redis/redis_webhook_outbox.h"

#include <algorithm>

#include "jobs/redis/redis_records.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {
namespace {

WebhookDelivery delivery_from_fields(const Fields& fields) {
  auto text = [&fields](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  WebhookDelivery d;
  d.id = text("id");
  d.job_id = text("job_id");
  d.owner = text("owner");
  d.url = text("url");
  d.base_url = text("base_url");
  d.created_at_ms = int_field(fields, "created_at_ms");
  d.attempts = static_cast<int>(int_field(fields, "attempts"));
  d.body = text("body");
  d.last_error = text("last_error");
  d.lease = int_field(fields, "lease");
  return d;
}

const char* outcome_name(WebhookAttemptRecord::Outcome outcome) {
  switch (outcome) {
    case WebhookAttemptRecord::Outcome::kDelivered:
      return "delivered";
    case WebhookAttemptRecord::Outcome::kGaveUp:
      return "gave_up";
    case WebhookAttemptRecord::Outcome::kRetry:
      break;
  }
  return "retry";
}

}  // namespace

Result<std::vector<WebhookDelivery>> RedisWebhookOutbox::claim_webhooks(int64_t lease_ms,
                                                                        std::size_t limit) {
  const std::size_t bounded = std::min<std::size_t>(limit, 10'000);
  auto reply =
      pool_->eval(scripts::claim_webhooks(), {keys_.prefix, std::to_string(clock_.now_ms()),
                                              std::to_string(lease_ms), std::to_string(bounded)});
  if (!reply) return reply.take_error();
  std::vector<WebhookDelivery> claimed;
  for (const Value& fields : reply->elements) {
    claimed.push_back(delivery_from_fields(fields.as_map()));
  }
  return claimed;
}

Result<bool> RedisWebhookOutbox::record_webhook_attempt(const WebhookDelivery& delivery,
                                                        const WebhookAttemptRecord& record) {
  auto reply = pool_->eval(
      scripts::record_webhook(),
      {keys_.prefix, delivery.id, std::to_string(delivery.lease), outcome_name(record.outcome),
       std::to_string(record.retry_at_ms), record.body, record.error});
  if (!reply) return reply.take_error();
  return reply->as_int().value_or(0) == 1;
}

Result<std::optional<WebhookDelivery>> RedisWebhookOutbox::find_webhook(const std::string& id) {
  auto reply = pool_->run({"HGETALL", keys_.webhook(id)});
  if (!reply) return reply.take_error();
  const Fields fields = reply->as_map();
  if (fields.empty()) return std::optional<WebhookDelivery>();
  return std::optional<WebhookDelivery>(delivery_from_fields(fields));
}

}  // namespace polyvox::redis
