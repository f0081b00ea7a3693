// The UserStore seam: who may log in. Implementations: sqlite (jobs/sqlite/, embedded mode) and
// redis (jobs/redis/, distributed mode). Every method is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace polyvox {

struct User {
  std::string name;
  std::string password_hash;  // argon2id, libsodium's encoded form
  bool admin = false;
  int64_t created_at_ms = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // The user called `name`, or nullopt. Reflects every change made through this store at once;
  // a change made by another process may take up to a second to be seen (the SQLite store's
  // read cache).
  virtual Result<std::optional<User>> find_user(const std::string& name) = 0;

  // Adds a user. kInvalidInput if the name is taken.
  virtual Status add_user(const User& user) = 0;

  // Replaces the password hash. kNotFound if unknown.
  virtual Status set_password_hash(const std::string& name, const std::string& hash) = 0;

  // Removes the user (their jobs stay). kNotFound if unknown.
  virtual Status remove_user(const std::string& name) = 0;

  // Every user, by name.
  virtual Result<std::vector<User>> list_users() = 0;
};

}  // namespace polyvox
