// Access tokens: JWT signed with HMAC-SHA256. libjwt builds them; verification is ours, because
// libjwt 1.10 compares signatures with strcmp (time that depends on where they differ):
// the header must say HS256 ("none" and every other algorithm are refused), the HMAC is computed
// again over the token's first two parts and compared in constant time, then the claims and the
// expiry are checked.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace polyvox {

// Who a token speaks for, and until when.
struct TokenClaims {
  std::string user_id;        // the user's stable id (User::id): "sub"
  int64_t token_version = 0;  // the user's token version when issued (User::token_version): "ver"
  int64_t issued_at = 0;      // Unix seconds ("iat")
  int64_t expires_at = 0;     // Unix seconds ("exp")
};

class JwtSigner {
 public:
  // REQUIRES: key.size() >= 32 (a shorter HMAC key is a configuration error).
  explicit JwtSigner(std::string key);

  // A signed token for the user `user_id` at `token_version`, valid from `now_s` for
  // `lifetime_s`; kInvalidInput when the token would be longer than verify() accepts (4 KiB).
  // Thread-safe.
  Result<std::string> issue(const std::string& user_id, int64_t token_version, int64_t now_s,
                            int64_t lifetime_s) const;

  // The claims of a valid token; kInvalidInput ("invalid token: <why>") for a malformed,
  // tampered, wrongly signed, wrong-algorithm or expired one, or one without a subject, a
  // version or an expiry. Thread-safe.
  Result<TokenClaims> verify(const std::string& token, int64_t now_s) const;

 private:
  std::string key_;
};

}  // namespace polyvox
