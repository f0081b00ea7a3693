// The embedded mode's ApiKeyStore: the api_keys table (schema version 7) of the shared SQLite
// database, whose rows a trigger deletes with their user. Writes go through the database's
// writer thread (durable on return); reads through per-thread readers, uncached, so that a
// revocation made by another process (`polyvox keys revoke` beside a running server) is seen by
// the next read.
#pragma once

#include <memory>

#include "auth/api_key_store.h"
#include "jobs/sqlite/sqlite_database.h"

namespace polyvox::sqlite {

class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  // A store over `db`, which may be shared with the other SQLite stores.
  explicit SqliteApiKeyStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // ApiKeyStore (contracts in auth/api_key_store.h).
  Status add_key(const ApiKey& key, std::size_t max_per_user) override;
  Result<std::optional<ApiKey>> find_key_by_hash(const std::string& hash) override;
  Result<std::vector<ApiKey>> list_keys(const std::string& user_id) override;
  Status revoke_key(const std::string& id, const std::string& owner_id) override;
  Result<bool> record_use(const std::string& id, int64_t now_ms, int64_t min_interval_ms) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace polyvox::sqlite
