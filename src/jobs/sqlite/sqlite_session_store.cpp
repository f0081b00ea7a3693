#include "jobs/sqlite/sqlite_session_store.h"

namespace polyvox::sqlite {

Status SqliteSessionStore::add_session(const Session& session) {
  return db_->write([&](Connection& db) -> Status {
    if (auto s = db.run("DELETE FROM sessions WHERE expires_at_ms < ?", session.created_at_ms);
        !s) {
      return s;
    }
    auto s = db.run(
        "INSERT INTO sessions (hash, user_id, token_version, created_at_ms, expires_at_ms) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        session.hash, session.user_id, session.token_version, session.created_at_ms,
        session.expires_at_ms);
    if (!s) return s;
    if (db.changes() == 0) return invalid_input("hash", "a session with this hash exists");
    return Status::success();
  });
}

Result<std::optional<Session>> SqliteSessionStore::find_session(const std::string& hash) {
  return db_->read([&](Connection& db) {
    return db.query_row(
        "SELECT hash, user_id, token_version, created_at_ms, expires_at_ms FROM sessions "
        "WHERE hash = ?",
        [](const Statement& row) {
          return Session{row.text(0), row.text(1), row.int64(2), row.int64(3), row.int64(4)};
        },
        hash);
  });
}

Status SqliteSessionStore::remove_session(const std::string& hash) {
  return db_->write(
      [&](Connection& db) { return db.run("DELETE FROM sessions WHERE hash = ?", hash); });
}

}  // namespace polyvox::sqlite
