// The distributed mode's UserStore: users in Redis (keys P user:<name> and P users, documented
// in redis_job_store.h), so that a token from one API node is valid on every node.
#pragma once

#include <memory>
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
  Status add_user(const User& user) override;
  Status set_password_hash(const std::string& name, const std::string& hash) override;
  Status remove_user(const std::string& name) override;
  Result<std::vector<User>> list_users() override;

 private:
  std::shared_ptr<Pool> pool_;
  const Keys keys_;
};

}  // namespace polyvox::redis
