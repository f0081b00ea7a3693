#include "jobs/sqlite/sqlite_api_key_store.h"

namespace polyvox::sqlite {
namespace {

// Every key query selects these columns in this order (key_from_row reads them by position).
#define POLYVOX_API_KEY_COLUMNS \
  "id, user_id, name, prefix, hash, created_at_ms, expires_at_ms, last_used_at_ms "

constexpr const char* kKeyByHash = "SELECT " POLYVOX_API_KEY_COLUMNS "FROM api_keys WHERE hash = ?";
constexpr const char* kKeysOfUser =
    "SELECT " POLYVOX_API_KEY_COLUMNS "FROM api_keys WHERE user_id = ? ORDER BY created_at_ms, id";
#undef POLYVOX_API_KEY_COLUMNS

ApiKey key_from_row(const Statement& row) {
  return ApiKey{row.text(0), row.text(1),  row.text(2),  row.text(3),
                row.text(4), row.int64(5), row.int64(6), row.int64(7)};
}

}  // namespace

Status SqliteApiKeyStore::add_key(const ApiKey& key, std::size_t max_per_user) {
  return db_->write([&](Connection& db) -> Status {
    auto user = db.query_int("SELECT count(*) FROM users WHERE id = ?", key.user_id);
    if (!user) return user.take_error();
    if (user->value_or(0) == 0) {
      return Error{ErrorKind::kNotFound, "no user has the id " + key.user_id, ""};
    }
    auto held = db.query_int("SELECT count(*) FROM api_keys WHERE user_id = ?", key.user_id);
    if (!held) return held.take_error();
    if (static_cast<std::size_t>(held->value_or(0)) >= max_per_user) {
      return Error{ErrorKind::kConflict,
                   "the user has " + std::to_string(max_per_user) +
                       " API keys already (the most allowed): revoke one first",
                   ""};
    }
    auto s = db.run(
        "INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at_ms, expires_at_ms, "
        "last_used_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        key.id, key.user_id, key.name, key.prefix, key.hash, key.created_at_ms, key.expires_at_ms,
        key.last_used_at_ms);
    if (!s) return s;
    if (db.changes() == 0) return invalid_input("id", "an API key with this id or hash exists");
    return Status::success();
  });
}

Result<std::optional<ApiKey>> SqliteApiKeyStore::find_key_by_hash(const std::string& hash) {
  return db_->read([&](Connection& db) { return db.query_row(kKeyByHash, key_from_row, hash); });
}

Result<std::vector<ApiKey>> SqliteApiKeyStore::list_keys(const std::string& user_id) {
  return db_->read([&](Connection& db) -> Result<std::vector<ApiKey>> {
    std::vector<ApiKey> keys;
    auto s = db.for_each_row(
        kKeysOfUser, [&](const Statement& row) { keys.push_back(key_from_row(row)); }, user_id);
    if (!s) return s.error();
    return keys;
  });
}

Status SqliteApiKeyStore::revoke_key(const std::string& id, const std::string& owner_id) {
  return db_->write([&](Connection& db) -> Status {
    auto s = db.run("DELETE FROM api_keys WHERE id = ? AND (? = '' OR user_id = ?)", id, owner_id,
                    owner_id);
    if (!s) return s;
    if (db.changes() == 0) return Error{ErrorKind::kNotFound, "API key not found", ""};
    return Status::success();
  });
}

Result<bool> SqliteApiKeyStore::record_use(const std::string& id, int64_t now_ms,
                                           int64_t min_interval_ms) {
  return db_->write([&](Connection& db) -> Result<bool> {
    auto s = db.run("UPDATE api_keys SET last_used_at_ms = ? WHERE id = ? AND last_used_at_ms <= ?",
                    now_ms, id, now_ms - min_interval_ms);
    if (!s) return s.error();
    return db.changes() > 0;
  });
}

}  // namespace polyvox::sqlite
