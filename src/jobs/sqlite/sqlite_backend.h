// The embedded mode's stores as one bundle: the SQLite database file of one process with the job
// store (JobStore + TaskQueue) and the user store over it. Opened the same way by the service's
// wiring and by the backend conformance tests.
#pragma once

#include <memory>

#include "core/error.h"
#include "jobs/sqlite/sqlite_database.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "jobs/sqlite/sqlite_user_store.h"

namespace polyvox::sqlite {

struct SqliteBackend {
  std::shared_ptr<Database> db;
  std::unique_ptr<SqliteJobStore> jobs;  // also the TaskQueue
  std::unique_ptr<SqliteUserStore> users;
};

// Opens (creating if needed) the database at db_options.path and both stores over it. Errors:
// those of Database::open and SqliteJobStore::open (the file cannot be opened or migrated).
inline Result<std::shared_ptr<SqliteBackend>> open_sqlite_backend(
    const DatabaseOptions& db_options, const JobStoreOptions& store_options) {
  auto db = Database::open(db_options);
  if (!db) return db.take_error();
  auto jobs = SqliteJobStore::open(*db, store_options);
  if (!jobs) return jobs.take_error();
  auto backend = std::make_shared<SqliteBackend>();
  backend->db = *db;
  backend->jobs = std::move(jobs.value());
  backend->users = std::make_unique<SqliteUserStore>(*db);
  return backend;
}

}  // namespace polyvox::sqlite
