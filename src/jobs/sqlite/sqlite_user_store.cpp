#include "jobs/sqlite/sqlite_user_store.h"

namespace polyvox::sqlite {
namespace {

// Every user query selects these columns in this order (user_from_row reads them by position).
#define POLYVOX_USER_COLUMNS                                                        \
  "id, name, password_hash, admin, created_at_ms, token_version, max_queued_jobs, " \
  "max_queued_blocks, max_chars_per_day "

constexpr const char* kUserByName = "SELECT " POLYVOX_USER_COLUMNS "FROM users WHERE name = ?";
constexpr const char* kUserById = "SELECT " POLYVOX_USER_COLUMNS "FROM users WHERE id = ?";
constexpr const char* kUsersByName = "SELECT " POLYVOX_USER_COLUMNS "FROM users ORDER BY name";
#undef POLYVOX_USER_COLUMNS

std::optional<int64_t> optional_int(const Statement& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return row.int64(column);
}

User user_from_row(const Statement& row) {
  User user{row.text(0), row.text(1), row.text(2), row.int64(3) != 0, row.int64(4), row.int64(5)};
  user.quotas = {override_from_stored(optional_int(row, 6)),
                 override_from_stored(optional_int(row, 7)),
                 override_from_stored(optional_int(row, 8))};
  return user;
}

Error user_not_found(const std::string& name) {
  return Error{ErrorKind::kNotFound, "user " + name + " not found", ""};
}

// Runs an UPDATE/DELETE of the user `name`; kNotFound when it changed no row.
template <typename... Args>
Status change_user(Database& database, const std::string& name, const char* sql,
                   const Args&... args) {
  return database.write([&](Connection& db) -> Status {
    if (auto s = db.run(sql, args...); !s) return s;
    if (db.changes() == 0) return user_not_found(name);
    return Status::success();
  });
}

}  // namespace

Result<std::optional<User>> SqliteUserStore::find_user(const std::string& name) {
  return cached_user("name:" + name, kUserByName, name);
}

Result<std::optional<User>> SqliteUserStore::find_user_by_id(const std::string& id) {
  return cached_user("id:" + id, kUserById, id);
}

Result<std::optional<User>> SqliteUserStore::cached_user(const std::string& cache_key,
                                                         const char* sql,
                                                         const std::string& value) {
  return user_cache_.get(
      *db_, cache_key, [&](Connection& db) { return db.query_row(sql, user_from_row, value); },
      [](const std::optional<User>&) { return std::size_t{1}; });
}

Status SqliteUserStore::add_user(const User& user) {
  return db_->write([&](Connection& db) -> Status {
    auto s = db.run(
        "INSERT INTO users (id, name, password_hash, admin, created_at_ms, token_version) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        user.id, user.name, user.password_hash, user.admin, user.created_at_ms, user.token_version);
    if (!s) return s;
    if (db.changes() == 0) return invalid_input("name", "user " + user.name + " exists");
    return Status::success();
  });
}

Status SqliteUserStore::set_password_hash(const std::string& name, const std::string& hash) {
  return change_user(*db_, name,
                     "UPDATE users SET password_hash = ?, token_version = token_version + 1 "
                     "WHERE name = ?",
                     hash, name);
}

Status SqliteUserStore::set_quotas(const std::string& name, const QuotaOverrides& quotas) {
  return change_user(*db_, name,
                     "UPDATE users SET max_queued_jobs = ?, max_queued_blocks = ?, "
                     "max_chars_per_day = ? WHERE name = ?",
                     stored_override(quotas.max_queued_jobs),
                     stored_override(quotas.max_queued_blocks),
                     stored_override(quotas.max_chars_per_day), name);
}

Status SqliteUserStore::remove_user(const std::string& name) {
  return change_user(*db_, name, "DELETE FROM users WHERE name = ?", name);
}

Result<std::vector<User>> SqliteUserStore::list_users() {
  return db_->read([&](Connection& db) -> Result<std::vector<User>> {
    std::vector<User> users;
    auto s = db.for_each_row(kUsersByName,
                             [&](const Statement& row) { users.push_back(user_from_row(row)); });
    if (!s) return s.error();
    return users;
  });
}

Result<std::string> SqliteUserStore::webhook_secret(const std::string& user_id,
                                                    const std::string& candidate) {
  constexpr const char* kSecretOf = "SELECT secret FROM webhook_secrets WHERE user_id = ?";
  auto text = [](const Statement& row) { return row.text(0); };
  // Read first: the writer is asked only on a user's first use.
  auto stored = db_->read([&](Connection& db) { return db.query_row(kSecretOf, text, user_id); });
  if (!stored) return stored.take_error();
  if (*stored) return std::move(**stored);
  return db_->write([&](Connection& db) -> Result<std::string> {
    auto s = db.run(
        "INSERT OR IGNORE INTO webhook_secrets (user_id, secret) SELECT id, ? FROM users "
        "WHERE id = ?",
        candidate, user_id);
    if (!s) return s.error();
    auto secret = db.query_row(kSecretOf, text, user_id);
    if (!secret) return secret.take_error();
    if (!*secret) return Error{ErrorKind::kNotFound, "no user has the id " + user_id, ""};
    return std::move(**secret);
  });
}

Status SqliteUserStore::replace_webhook_secret(const std::string& user_id,
                                               const std::string& secret) {
  return db_->write([&](Connection& db) -> Status {
    auto s = db.run(
        "INSERT INTO webhook_secrets (user_id, secret) SELECT id, ? FROM users WHERE id = ? "
        "ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret",
        secret, user_id);
    if (!s) return s;
    if (db.changes() == 0) return Error{ErrorKind::kNotFound, "no user has the id " + user_id, ""};
    return Status::success();
  });
}

}  // namespace polyvox::sqlite
