// The embedded mode's UserStore: the users table of the shared SQLite database. Writes go
// through the database's writer thread (durable on return), reads through per-thread readers;
// find_user() and find_user_by_id() (once per authenticated request) through a ReadCache, so that
// a user removed or given a new password by another process (`polyvox users remove` beside a
// running server) is seen within a second. Webhook secrets live in their own table
// (webhook_secrets, schema version 6), deleted with their user by a trigger; so are API keys
// (sqlite_api_key_store.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/user_store.h"
#include "core/clock.h"
#include "jobs/sqlite/read_cache.h"
#include "jobs/sqlite/sqlite_database.h"

namespace polyvox::sqlite {

class SqliteUserStore final : public UserStore {
 public:
  // A store over `db`, which may be shared with a SqliteJobStore.
  explicit SqliteUserStore(std::shared_ptr<Database> db)
      : db_(std::move(db)), user_cache_(clock_, kCacheMaxAgeMs, kUserCacheMaxEntries) {}

  // UserStore (contracts in auth/user_store.h).
  Result<std::optional<User>> find_user(const std::string& name) override;
  Result<std::optional<User>> find_user_by_id(const std::string& id) override;
  Status add_user(const User& user) override;
  Status set_password_hash(const std::string& name, const std::string& hash) override;
  Status set_quotas(const std::string& name, const QuotaOverrides& quotas) override;
  Status remove_user(const std::string& name) override;
  Result<std::vector<User>> list_users() override;
  Result<std::string> webhook_secret(const std::string& user_id,
                                     const std::string& candidate) override;
  Status replace_webhook_secret(const std::string& user_id, const std::string& secret) override;

  // Drops the cached users that are past their age (ReadCache::drop_expired). Thread-safe.
  void release_memory() { user_cache_.drop_expired(); }

 private:
  // The user `sql` finds for `value`, through the cache under `cache_key`.
  Result<std::optional<User>> cached_user(const std::string& cache_key, const char* sql,
                                          const std::string& value);

  static constexpr int64_t kCacheMaxAgeMs = 1000;
  static constexpr std::size_t kUserCacheMaxEntries = 4096;

  std::shared_ptr<Database> db_;
  const SystemClock clock_;
  ReadCache<std::optional<User>> user_cache_;  // "name:<name>", "id:<id>"; cost: one each
};

}  // namespace polyvox::sqlite
