// The distributed mode's UserStore: users in Redis (keys P user:<name>, P users and P user_ids,
// documented in redis_job_store.h), so that a token from one API node is valid on every node.
//
// Data written before users had ids (names as job owners) is migrated at the first operation of
// each process, in one atomic script (migrate_owners.lua) that every later process finds done in
// one round trip. API nodes call the user store first (the first administrator's check at start,
// then every request's authentication), so no job is read by owner before it ran.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/user_store.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"

namespace polyvox::redis {

class RedisUserStore final : public UserStore {
 public:
  // A store on `pool` under `key_prefix` (the job store's). Touches no network.
  RedisUserStore(std::shared_ptr<Pool> pool, std::string key_prefix)
      : pool_(std::move(pool)), keys_{std::move(key_prefix)} {}

  // UserStore (contracts in auth/user_store.h); kUnavailable when Redis cannot be reached.
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

 private:
  // Runs webhook_secret.lua in `mode` ("ensure" or "replace").
  Result<std::string> store_webhook_secret(const std::string& user_id, const std::string& secret,
                                           const char* mode);

  // Runs migrate_owners.lua unless this store saw it done. Thread-safe.
  Status ensure_migrated();

  std::shared_ptr<Pool> pool_;
  const Keys keys_;
  std::mutex migration_mutex_;
  std::atomic<bool> migrated_{false};
};

}  // namespace polyvox::redis
