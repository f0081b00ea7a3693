#include "jobs/sqlite/sqlite_user_store.h"

namespace polyvox::sqlite {
namespace {

User user_from_row(const Statement& row) {
  return User{row.text(0), row.text(1), row.int64(2) != 0, row.int64(3)};
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
  return user_cache_.get(
      *db_, name,
      [&](Connection& db) {
        return db.query_row(
            "SELECT name, password_hash, admin, created_at_ms FROM users WHERE name = ?",
            user_from_row, name);
      },
      [](const std::optional<User>&) { return std::size_t{1}; });
}

Status SqliteUserStore::add_user(const User& user) {
  return db_->write([&](Connection& db) -> Status {
    auto s = db.run(
        "INSERT INTO users (name, password_hash, admin, created_at_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        user.name, user.password_hash, user.admin, user.created_at_ms);
    if (!s) return s;
    if (db.changes() == 0) return invalid_input("name", "user " + user.name + " exists");
    return Status::success();
  });
}

Status SqliteUserStore::set_password_hash(const std::string& name, const std::string& hash) {
  return change_user(*db_, name, "UPDATE users SET password_hash = ? WHERE name = ?", hash, name);
}

Status SqliteUserStore::remove_user(const std::string& name) {
  return change_user(*db_, name, "DELETE FROM users WHERE name = ?", name);
}

Result<std::vector<User>> SqliteUserStore::list_users() {
  return db_->read([&](Connection& db) -> Result<std::vector<User>> {
    std::vector<User> users;
    auto s =
        db.for_each_row("SELECT name, password_hash, admin, created_at_ms FROM users ORDER BY name",
                        [&](const Statement& row) { users.push_back(user_from_row(row)); });
    if (!s) return s.error();
    return users;
  });
}

}  // namespace polyvox::sqlite
