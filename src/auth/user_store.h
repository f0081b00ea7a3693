// The UserStore seam: who may log in. Implementations: sqlite (jobs/sqlite/, embedded mode) and
// redis (jobs/redis/, distributed mode). Every method is thread-safe.
//
// A user is known by a stable id (a UUID given when it is added, never reused): jobs, usage and
// every credential (tokens now, API keys and sessions later) point to the id, not the name. A
// removed user's id is gone for good, so a user added again under the same name is someone new:
// the old one's tokens and jobs do not come back. `token_version` grows with each password
// change; a token carries the version it was issued at and stops being valid when it differs.
// Each user may also have a webhook secret (the key that signs their jobs' webhooks), kept apart
// from User so that it travels only where it is used; it goes when the user goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/quota.h"

namespace polyvox {

struct User {
  std::string id;             // UUID v4, stable for the user's lifetime, never reused
  std::string name;           // unique among the users that exist now
  std::string password_hash;  // argon2id, libsodium's encoded form
  bool admin = false;
  int64_t created_at_ms = 0;
  int64_t token_version = 0;  // bumped by every password change
  QuotaOverrides quotas;      // this user's own quota limits over the deployment's (core/quota.h)
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // The user called `name`, or nullopt. Reflects every change made through this store at once;
  // a change made by another process may take up to a second to be seen (the SQLite store's
  // read cache).
  virtual Result<std::optional<User>> find_user(const std::string& name) = 0;

  // The user whose id is `id`, or nullopt; seen as find_user() sees changes.
  virtual Result<std::optional<User>> find_user_by_id(const std::string& id) = 0;

  // Adds a user with its fields as given (token_version included). kInvalidInput if the name
  // or the id is taken.
  // REQUIRES: user.id is a fresh UUID (new_uuid4()).
  virtual Status add_user(const User& user) = 0;

  // Replaces the password hash and increments the user's token_version in one step, so that
  // every token issued before stops working. kNotFound if unknown.
  virtual Status set_password_hash(const std::string& name, const std::string& hash) = 0;

  // Replaces the user's quota overrides with `quotas`; effective from the next job they submit.
  // kNotFound if unknown.
  virtual Status set_quotas(const std::string& name, const QuotaOverrides& quotas) = 0;

  // Removes the user; their id is never given to anyone again (their jobs and usage stay, under
  // that id). kNotFound if unknown.
  virtual Status remove_user(const std::string& name) = 0;

  // Every user, by name.
  virtual Result<std::vector<User>> list_users() = 0;

  // The webhook secret of the user whose id is `user_id`: the stored one or, when the user has
  // none yet, `candidate`, stored now (of two first uses at once, both get the one stored
  // first). kNotFound when no user has this id (nothing is stored then).
  // REQUIRES: `candidate` is a fresh secret (webhooks/webhook_signature.h).
  virtual Result<std::string> webhook_secret(const std::string& user_id,
                                             const std::string& candidate) = 0;

  // Replaces the webhook secret of the user whose id is `user_id` with `secret`: what is signed
  // from then on is signed with it. kNotFound when no user has this id.
  virtual Status replace_webhook_secret(const std::string& user_id, const std::string& secret) = 0;
};

}  // namespace polyvox
