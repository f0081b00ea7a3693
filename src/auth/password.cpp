#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

namespace polyvox {
namespace {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium cannot initialize");
}

}  // namespace

Status check_new_password(const std::string& password, const std::string& field) {
  if (password.size() < kMinPasswordLength) {
    return invalid_input(field, "the password must have at least " +
                                    std::to_string(kMinPasswordLength) + " characters");
  }
  return Status::success();
}

Result<std::string> hash_password(const std::string& password, const PasswordHashCost& cost) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error{ErrorKind::kInternal, "out of memory while hashing a password", ""};
  }
  return std::string(out);
}

bool verify_password(const std::string& password, const std::string& encoded_hash) {
  ensure_sodium();
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace polyvox
