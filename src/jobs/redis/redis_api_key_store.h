// The distributed mode's ApiKeyStore: API keys in Redis under the key prefix (P api_key:<id>,
// P api_key_hashes, P api_keys:<user id>; documented in redis_job_store.h), one script per
// step, so that a key made or revoked on one API node is known to every node at its next read.
// remove_user.lua deletes a user's keys with the user.
#pragma once

#include <memory>
#include <string>

#include "auth/api_key_store.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"

namespace polyvox::redis {

class RedisApiKeyStore final : public ApiKeyStore {
 public:
  // A store on `pool` under `key_prefix` (the job store's). Touches no network.
  RedisApiKeyStore(std::shared_ptr<Pool> pool, std::string key_prefix)
      : pool_(std::move(pool)), keys_{std::move(key_prefix)} {}

  // ApiKeyStore (contracts in auth/api_key_store.h); kUnavailable when Redis cannot be reached.
  Status add_key(const ApiKey& key, std::size_t max_per_user) override;
  Result<std::optional<ApiKey>> find_key_by_hash(const std::string& hash) override;
  Result<std::vector<ApiKey>> list_keys(const std::string& user_id) override;
  Status revoke_key(const std::string& id, const std::string& owner_id) override;
  Result<bool> record_use(const std::string& id, int64_t now_ms, int64_t min_interval_ms) override;

 private:
  std::shared_ptr<Pool> pool_;
  const Keys keys_;
};

}  // namespace polyvox::redis
