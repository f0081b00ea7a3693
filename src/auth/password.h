// Password hashing with argon2id (libsodium's crypto_pwhash_str).
#pragma once

#include <string>

#include "core/error.h"

namespace polyvox {

struct PasswordHashCost {
  unsigned long long ops = 2;                   // passes over memory
  std::size_t memory_bytes = 19 * 1024 * 1024;  // OWASP's argon2id minimum: 19 MiB, 2 passes
};

// The fewest characters a password may have, wherever one is set (`polyvox users add/passwd`,
// the first administrator's ADMIN_PASSWORD).
inline constexpr std::size_t kMinPasswordLength = 8;

// kInvalidInput naming `field` when `password` is too short to be set; OK otherwise.
Status check_new_password(const std::string& password, const std::string& field);

// An encoded argon2id hash ("$argon2id$v=19$m=...") of `password` with a random salt.
// kInternal when memory for hashing cannot be had. Thread-safe.
Result<std::string> hash_password(const std::string& password, const PasswordHashCost& cost = {});

// True when `password` matches `encoded_hash`, in time independent of where they differ.
// Thread-safe.
bool verify_password(const std::string& password, const std::string& encoded_hash);

}  // namespace polyvox
