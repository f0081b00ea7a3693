// The distributed mode's SessionStore: one string per session, P session:<hash> =
// "<user id> <token version> <created_at_ms> <expires_at_ms>", which Redis deletes when the
// session expires (PXAT), so that a session begun on one API node is known to every node and
// nothing has to sweep them. A removed user's sessions are left to expire: the SessionService
// refuses them at once (their user id names nobody).
#pragma once

#include <memory>
#include <string>

#include "auth/session_store.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"

namespace polyvox::redis {

class RedisSessionStore final : public SessionStore {
 public:
  // A store on `pool` under `key_prefix` (the job store's). Touches no network.
  RedisSessionStore(std::shared_ptr<Pool> pool, std::string key_prefix)
      : pool_(std::move(pool)), keys_{std::move(key_prefix)} {}

  // SessionStore (contracts in auth/session_store.h); kUnavailable when Redis cannot be reached.
  Status add_session(const Session& session) override;
  Result<std::optional<Session>> find_session(const std::string& hash) override;
  Status remove_session(const std::string& hash) override;

 private:
  std::shared_ptr<Pool> pool_;
  const Keys keys_;
};

}  // namespace polyvox::redis
