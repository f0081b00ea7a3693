// The embedded mode's SessionStore: the sessions table (schema version 11) of the shared SQLite
// database, whose rows a trigger deletes with their user. Writes go through the database's
// writer thread (durable on return); reads through per-thread readers, uncached, so that a
// session ended by another process is refused at its next read.
#pragma once

#include <memory>

#include "auth/session_store.h"
#include "jobs/sqlite/sqlite_database.h"

namespace polyvox::sqlite {

class SqliteSessionStore final : public SessionStore {
 public:
  // A store over `db`, which may be shared with the other SQLite stores.
  explicit SqliteSessionStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // SessionStore (contracts in auth/session_store.h). add_session() deletes the expired rows
  // in the same transaction (an index on expires_at_ms keeps that cheap).
  Status add_session(const Session& session) override;
  Result<std::optional<Session>> find_session(const std::string& hash) override;
  Status remove_session(const std::string& hash) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace polyvox::sqlite
