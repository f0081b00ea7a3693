// The embedded mode's UserStore: the users table of the shared SQLite database. Writes go
// through the database's writer thread (durable on return), reads through per-thread readers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/user_store.h"
#include "jobs/sqlite/sqlite_database.h"

namespace polyvox::sqlite {

class SqliteUserStore final : public UserStore {
 public:
  // A store over `db`, which may be shared with a SqliteJobStore.
  explicit SqliteUserStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // UserStore (contracts in auth/user_store.h).
  Result<std::optional<User>> find_user(const std::string& name) override;
  Status add_user(const User& user) override;
  Status set_password_hash(const std::string& name, const std::string& hash) override;
  Status remove_user(const std::string& name) override;
  Result<std::vector<User>> list_users() override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace polyvox::sqlite
