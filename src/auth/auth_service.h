// Logging in and recognizing callers: passwords against the UserStore, throttled; bearer tokens
// verified (algorithm pinned, signature, expiry) and checked against the user on every request:
// the user their id names must exist and be at the token's version, so that a removed user's
// tokens, and every token issued before a password change, stop working (at once, or within a
// second when the change was made by another process: UserStore::find_user_by_id). A user added
// again under a removed user's name has a new id: the old tokens do not name it. Bearer
// credentials that start with "pvx_" are API keys, recognized by the ApiKeyService.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/api_key_service.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/password.h"
#include "auth/user_store.h"
#include "core/clock.h"

namespace polyvox {

struct AuthOptions {
  int64_t token_lifetime_s = 1800;  // the seed's 30 minutes
  PasswordHashCost hash_cost;
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in_s = 0;
};

class AuthService {
 public:
  // With `api_keys` null, API keys are refused like any invalid token.
  AuthService(UserStore& users, JwtSigner signer, LoginThrottle& throttle, const Clock& clock,
              AuthOptions options = {}, ApiKeyService* api_keys = nullptr);

  // A token for valid credentials. kUnauthenticated for a wrong name or password (the same
  // message either way, and the same time: an unknown name still costs one hash), kRateLimited
  // (retry_after_s set) after too many failures for that name or address. Thread-safe.
  Result<IssuedToken> login(const std::string& username, const std::string& password,
                            const std::string& client_address);

  // The user whose name and password these are, throttled and timed exactly as login() (which
  // issues a token for it): the studio's sign-in (POST /session) begins a session with it.
  // Errors as login(). Thread-safe.
  Result<User> check_credentials(const std::string& username, const std::string& password,
                                 const std::string& client_address);

  // The user a bearer token speaks for; kUnauthenticated when the token is invalid, expired,
  // names a user id that no longer exists, or carries an older token version than the user's
  // (the password changed since). An API key ("pvx_...") is the ApiKeyService's to judge
  // (a password change does not revoke it). Thread-safe.
  Result<User> authenticate(const std::string& token);

  // Creates the first administrator when there is no user at all. With an empty `password` a
  // random one is generated; a given one shorter than kMinPasswordLength is kInvalidInput naming
  // ADMIN_PASSWORD. Returns the password that was set, or "" when users existed.
  Result<std::string> bootstrap_admin(const std::string& username, const std::string& password);

 private:
  UserStore& users_;
  JwtSigner signer_;
  LoginThrottle& throttle_;
  const Clock& clock_;
  AuthOptions options_;
  ApiKeyService* api_keys_;  // may be null
  std::string dummy_hash_;   // verified against when the user is unknown, to equalize timing

  // Tokens whose signature was verified, by their exact text: verifying a token again costs a
  // lookup instead of a decode and an HMAC. Expiry and the user's existence are still checked
  // on every use. Bounded: cleared when full.
  static constexpr std::size_t kTokenCacheSize = 8192;
  std::mutex token_cache_mutex_;
  std::unordered_map<std::string, TokenClaims> token_cache_;
};

}  // namespace polyvox
