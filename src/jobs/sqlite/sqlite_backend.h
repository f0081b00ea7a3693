// The embedded mode's stores as one bundle: the SQLite database file of one process with the job
// store (JobStore + TaskQueue), the user store, the API key and session stores and the webhook
// outbox over it.
// Opened the same way by the service's wiring and by the backend conformance tests.
#pragma once

#include <memory>

#include "core/error.h"
#include "jobs/sqlite/sqlite_api_key_store.h"
#include "jobs/sqlite/sqlite_database.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "jobs/sqlite/sqlite_session_store.h"
#include "jobs/sqlite/sqlite_user_store.h"
#include "jobs/sqlite/sqlite_webhook_outbox.h"

namespace polyvox::sqlite {

struct SqliteBackend {
  std::shared_ptr<Database> db;
  std::unique_ptr<SqliteJobStore> jobs;  // also the TaskQueue
  std::unique_ptr<SqliteUserStore> users;
  std::unique_ptr<SqliteApiKeyStore> api_keys;
  std::unique_ptr<SqliteSessionStore> sessions;
  std::unique_ptr<SqliteWebhookOutbox> webhooks;
  SystemClock system_clock;  // the outbox's when store_options.clock is null
};

// Opens (creating if needed) the database at db_options.path and the stores over it. Errors:
// those of Database::open and SqliteJobStore::open (the file cannot be opened or migrated).
inline Result<std::shared_ptr<SqliteBackend>> open_sqlite_backend(
    const DatabaseOptions& db_options, const JobStoreOptions& store_options) {
  auto db = Database::open(db_options);
  if (!db) return db.take_error();
  auto jobs = SqliteJobStore::open(*db, store_options);
  if (!jobs) return jobs.take_error();
  auto backend = std::make_shared<SqliteBackend>();
  const Clock& clock = store_options.clock ? *store_options.clock : backend->system_clock;
  auto webhooks = SqliteWebhookOutbox::open(*db, clock, store_options.expire_leases_at_open);
  if (!webhooks) return webhooks.take_error();
  backend->db = *db;
  backend->jobs = std::move(jobs.value());
  backend->users = std::make_unique<SqliteUserStore>(*db);
  backend->api_keys = std::make_unique<SqliteApiKeyStore>(*db);
  backend->sessions = std::make_unique<SqliteSessionStore>(*db);
  backend->webhooks = std::move(webhooks.value());
  return backend;
}

}  // namespace polyvox::sqlite
