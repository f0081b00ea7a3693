// The ApiKeyStore seam: long-lived API keys of users, for machine clients. Implementations sit
// beside the user store of each backend: sqlite (jobs/sqlite/, table api_keys) and redis
// (jobs/redis/, keys P api_key:*). Every method is thread-safe.
//
// A key is stored by the SHA-256 of its text, never the text itself (auth/api_key_secret.h
// makes both): whoever reads the store cannot use what they read. A key belongs to one user's
// id and goes when it is revoked or when its user is removed (in the same atomic step as the
// user). A password change leaves keys alone. Reads are never cached here: a revocation is
// seen by the next find_key_by_hash() of every process (the cache of verified keys is
// auth/api_key_service.h's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace polyvox {

struct ApiKey {
  std::string id;               // UUID v4; what a revocation names
  std::string user_id;          // the owner's User::id
  std::string name;             // the owner's label for it (validated: check_api_key_name)
  std::string prefix;           // "pvx_" and the first characters of the key: not a secret
  std::string hash;             // SHA-256 of the whole key text, 64 lower-case hex digits
  int64_t created_at_ms = 0;    // Unix epoch milliseconds
  int64_t expires_at_ms = 0;    // 0: never
  int64_t last_used_at_ms = 0;  // 0: never used (recorded at most once a minute)
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;

  // Stores `key` (every field as given). kNotFound when no user has key.user_id; kConflict when
  // that user has `max_per_user` keys already (nothing stored: the count and the insert are one
  // atomic step); kInvalidInput when key.id or key.hash is taken.
  // REQUIRES: key.id is fresh (new_uuid4()) and key.hash the hash of a fresh random key.
  virtual Status add_key(const ApiKey& key, std::size_t max_per_user) = 0;

  // The key whose hash is `hash`, or nullopt (never created, revoked, or its user removed).
  // Expired keys are found too: refusing them is the caller's.
  virtual Result<std::optional<ApiKey>> find_key_by_hash(const std::string& hash) = 0;

  // The keys of the user whose id is `user_id`, oldest first (then by id); empty for an
  // unknown user.
  virtual Result<std::vector<ApiKey>> list_keys(const std::string& user_id) = 0;

  // Deletes the key whose id is `id`, when `owner_id` is empty or owns it. kNotFound otherwise
  // (nothing deleted: another user's key and a missing one look alike).
  virtual Status revoke_key(const std::string& id, const std::string& owner_id) = 0;

  // Sets the key's last_used_at_ms to `now_ms` when the stored one is at or before
  // now_ms - min_interval_ms (never used counts as 0): true when it wrote, false when the use
  // was recorded recently or no key has this id. Atomic: of several nodes recording one key's
  // use at once, at most one writes within the interval.
  virtual Result<bool> record_use(const std::string& id, int64_t now_ms,
                                  int64_t min_interval_ms) = 0;
};

}  // namespace polyvox
