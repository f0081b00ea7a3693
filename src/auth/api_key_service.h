// API keys as the service handles them: made (shown once), listed, revoked, and recognized as
// bearer credentials, fast enough for a client polling /status with one.
//
// Recognizing a key costs a SHA-256 and a lookup in a cache of verified keys (key record and
// user, by hash) when it was verified less than cache_max_age_ms ago; past that, the store is
// read again (the key, then its user). So a revocation or a user removal made anywhere is
// refused by every node within cache_max_age_ms (1 s), and at once by the node that revoked.
// Expiry is checked on every use. The last use is written at most once per
// use_record_interval_ms (1 min) per key: the cached record says when it was last written,
// and the store's conditional write keeps several nodes from writing it twice in one interval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/api_key_store.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/error.h"

namespace polyvox {

// The longest a key may live, from its creation.
inline constexpr int64_t kMaxApiKeyLifetimeDays = 3650;
inline constexpr int64_t kMillisecondsPerDay = 86'400'000;

// kInvalidInput naming `field` unless `name` is 1 to 64 characters of printable UTF-8 text (no
// control characters, not only spaces).
Status check_api_key_name(const std::string& name, const std::string& field = "name");

// When a key made at `now_ms` to live `days` days expires. kInvalidInput naming `field` unless
// 1 <= days <= kMaxApiKeyLifetimeDays.
Result<int64_t> api_key_expiry_in_days(int64_t days, int64_t now_ms, const std::string& field);

struct ApiKeyOptions {
  int64_t cache_max_age_ms = 1000;          // how stale a verified key may be (see above)
  int64_t use_record_interval_ms = 60'000;  // last_used_at_ms written at most this often
  std::size_t max_keys_per_user = 100;      // revoked ones do not count
  std::size_t cache_entries = 8192;         // verified keys kept; the cache is emptied when full
};

struct IssuedApiKey {
  std::string key;  // the only time the key's text exists outside its owner's hands
  ApiKey record;
};

class ApiKeyService {
 public:
  ApiKeyService(ApiKeyStore& keys, UserStore& users, const Clock& clock, ApiKeyOptions options = {})
      : keys_(keys), users_(users), clock_(clock), options_(options) {}

  // A new key of the user whose id is `user_id`, called `name`, expiring at `expires_at_ms`
  // (0: never). kInvalidInput naming "name" (check_api_key_name) or "expires_at" (not after
  // now, or more than kMaxApiKeyLifetimeDays ahead); kConflict when the user has
  // max_keys_per_user keys; kNotFound when no user has this id. Thread-safe.
  Result<IssuedApiKey> create(const std::string& user_id, const std::string& name,
                              int64_t expires_at_ms);

  // The keys of the user whose id is `user_id`, oldest first (records only: a key's text is
  // never kept). Thread-safe.
  Result<std::vector<ApiKey>> list(const std::string& user_id);

  // Revokes the key whose id is `id`, when `owner_id` is empty or owns it: refused from now on
  // by this service, within cache_max_age_ms by every other. kNotFound otherwise. Thread-safe.
  Status revoke(const std::string& id, const std::string& owner_id);

  // The user an API key speaks for. kUnauthenticated when the text is not a key's, no stored
  // key has it (never made, revoked, or its user removed), or it has expired. Records the use
  // (see above); a failure to record it does not refuse the key. Thread-safe.
  Result<User> authenticate(const std::string& key);

 private:
  struct Verified {
    ApiKey key;
    User user;
    int64_t verified_at_ms = 0;
  };

  // The key and user for `hash`: the cached ones when fresh enough, else read from the stores
  // (and cached).
  Result<Verified> verified(const std::string& hash, int64_t now_ms);
  // Writes the key's last use when it is due.
  void record_use(const Verified& entry, const std::string& hash, int64_t now_ms);

  ApiKeyStore& keys_;
  UserStore& users_;
  const Clock& clock_;
  const ApiKeyOptions options_;

  std::mutex cache_mutex_;
  std::unordered_map<std::string, Verified> cache_;  // by key hash; guarded by cache_mutex_
  // Bumped by revoke() (guarded by cache_mutex_): a verification that read the stores before a
  // revocation does not cache what it read, which would bring the revoked key back.
  uint64_t generation_ = 0;
};

}  // namespace polyvox
