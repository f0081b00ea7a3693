// The embedded database's schema and its migrations, versioned by PRAGMA user_version.
#pragma once

#include "core/error.h"
#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

// The schema version this binary writes.
inline constexpr int kSchemaVersion = 21;

// Brings the database to kSchemaVersion, applying the missing migrations in one IMMEDIATE
// transaction (two processes opening a fresh file at once cannot both migrate it). kInternal
// if the file was written by a newer binary (its version is above kSchemaVersion).
// REQUIRES: `db` is a writable connection with no transaction open.
Status migrate(Connection& db);

// As migrate(), up to version `target` only (nothing when the file is at `target` or beyond):
// for tests that make a database as an older binary left it.
// REQUIRES: target <= kSchemaVersion.
Status migrate_to(Connection& db, int target);

}  // namespace polyvox::sqlite
