// Access tokens: JWT signed with HMAC-SHA256 (libjwt). Verification pins the algorithm (the
// header must say HS256; "none" and every other algorithm are refused), checks the signature and
// the expiry.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace polyvox {

struct TokenClaims {
  std::string subject;     // user name ("sub")
  int64_t issued_at = 0;   // Unix seconds ("iat")
  int64_t expires_at = 0;  // Unix seconds ("exp")
};

class JwtSigner {
 public:
  // REQUIRES: key.size() >= 32 (a shorter HMAC key is a configuration error).
  explicit JwtSigner(std::string key);

  // A signed token for `subject` valid from `now_s` for `lifetime_s`. Thread-safe.
  Result<std::string> issue(const std::string& subject, int64_t now_s, int64_t lifetime_s) const;

  // The claims of a valid token; kInvalidInput ("invalid token: <why>") for a malformed,
  // tampered, wrongly signed, wrong-algorithm or expired one. Thread-safe.
  Result<TokenClaims> verify(const std::string& token, int64_t now_s) const;

 private:
  std::string key_;
};

}  // namespace polyvox
