#include "jobs/sqlite/sqlite_webhook_outbox.h"

#include "jobs/sqlite/job_rows.h"

namespace polyvox::sqlite {
namespace {

// Every delivery query selects these columns in this order (delivery_from_row reads them).
#define POLYVOX_DELIVERY_COLUMNS \
  "id, job_id, owner, url, base_url, created_at_ms, attempts, body, last_error, lease "

WebhookDelivery delivery_from_row(const Statement& row) {
  WebhookDelivery d;
  d.id = row.text(0);
  d.job_id = row.text(1);
  d.owner = row.text(2);
  d.url = row.text(3);
  d.base_url = row.text(4);
  d.created_at_ms = row.int64(5);
  d.attempts = static_cast<int>(row.int64(6));
  d.body = row.text(7);
  d.last_error = row.text(8);
  d.lease = row.int64(9);
  return d;
}

}  // namespace

Result<std::unique_ptr<SqliteWebhookOutbox>> SqliteWebhookOutbox::open(std::shared_ptr<Database> db,
                                                                       const Clock& clock,
                                                                       bool expire_leases_at_open) {
  std::unique_ptr<SqliteWebhookOutbox> outbox(new SqliteWebhookOutbox(std::move(db), clock));
  if (expire_leases_at_open) {
    auto s = outbox->db_->write([&](Connection& c) {
      return c.run("UPDATE webhook_deliveries SET due_ms = ? WHERE leased = 1 AND due_ms > ?",
                   clock.now_ms(), clock.now_ms());
    });
    if (!s) return s.error();
  }
  return outbox;
}

Result<std::vector<WebhookDelivery>> SqliteWebhookOutbox::claim_webhooks(int64_t lease_ms,
                                                                         std::size_t limit) {
  const int64_t now = clock_.now_ms();
  auto due = db_->read([&](Connection& db) {
    return db.query_int("SELECT 1 FROM webhook_deliveries WHERE due_ms <= ? LIMIT 1", now);
  });
  if (!due) return due.take_error();
  if (!due->has_value()) return std::vector<WebhookDelivery>();
  return db_->write([&](Connection& db) -> Result<std::vector<WebhookDelivery>> {
    std::vector<WebhookDelivery> claimed;
    auto s = db.for_each_row(
        "SELECT " POLYVOX_DELIVERY_COLUMNS
        "FROM webhook_deliveries WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?",
        [&](const Statement& row) { claimed.push_back(delivery_from_row(row)); }, now,
        sql_limit(limit));
    if (!s) return s.error();
    for (WebhookDelivery& d : claimed) {
      ++d.lease;
      s = db.run("UPDATE webhook_deliveries SET leased = 1, lease = ?, due_ms = ? WHERE id = ?",
                 d.lease, now + lease_ms, d.id);
      if (!s) return s.error();
    }
    return claimed;
  });
}

Result<bool> SqliteWebhookOutbox::record_webhook_attempt(const WebhookDelivery& delivery,
                                                         const WebhookAttemptRecord& record) {
  return db_->write([&](Connection& db) -> Result<bool> {
    Status s;
    if (record.outcome == WebhookAttemptRecord::Outcome::kRetry) {
      s = db.run(
          "UPDATE webhook_deliveries SET leased = 0, due_ms = ?, attempts = attempts + 1, "
          "body = CASE WHEN body = '' THEN ? ELSE body END, last_error = ? "
          "WHERE id = ? AND lease = ?",
          record.retry_at_ms, record.body, record.error, delivery.id, delivery.lease);
    } else {
      s = db.run("DELETE FROM webhook_deliveries WHERE id = ? AND lease = ?", delivery.id,
                 delivery.lease);
    }
    if (!s) return s.error();
    return db.changes() > 0;
  });
}

Result<std::optional<WebhookDelivery>> SqliteWebhookOutbox::find_webhook(const std::string& id) {
  return db_->read([&](Connection& db) {
    return db.query_row("SELECT " POLYVOX_DELIVERY_COLUMNS "FROM webhook_deliveries WHERE id = ?",
                        delivery_from_row, id);
  });
}

#undef POLYVOX_DELIVERY_COLUMNS

}  // namespace polyvox::sqlite
