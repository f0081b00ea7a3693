// The embedded mode's WebhookOutbox: the webhook_deliveries table (sqlite_schema.cpp, version 4),
// whose rows the jobs table's trigger writes in the transaction that finishes a job. Claims and
// records go through the database's writer thread; a claim first asks a reader whether anything
// is due, so an idle sender costs no write.
#pragma once

#include <memory>

#include "core/clock.h"
#include "jobs/sqlite/sqlite_database.h"
#include "jobs/webhook_outbox.h"

namespace polyvox::sqlite {

class SqliteWebhookOutbox final : public WebhookOutbox {
 public:
  // An outbox over `db` (shared with the job store that writes it) on `clock` (not owned; must
  // outlive it). With `expire_leases_at_open` (embedded mode: one serving process per database,
  // as sqlite::JobStoreOptions says), deliveries leased when it opens belong to a dead process
  // and are due at once. Errors: as Database.
  static Result<std::unique_ptr<SqliteWebhookOutbox>> open(std::shared_ptr<Database> db,
                                                           const Clock& clock,
                                                           bool expire_leases_at_open);

  // WebhookOutbox (contracts in jobs/webhook_outbox.h).
  Result<std::vector<WebhookDelivery>> claim_webhooks(int64_t lease_ms, std::size_t limit) override;
  Result<bool> record_webhook_attempt(const WebhookDelivery& delivery,
                                      const WebhookAttemptRecord& record) override;
  Result<std::optional<WebhookDelivery>> find_webhook(const std::string& id) override;

 private:
  SqliteWebhookOutbox(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  std::shared_ptr<Database> db_;
  const Clock& clock_;
};

}  // namespace polyvox::sqlite
