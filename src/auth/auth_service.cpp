#include "auth/auth_service.h"

#include "auth/api_key_secret.h"
#include "core/ids.h"

namespace polyvox {
namespace {

Error unauthenticated(std::string message) {
  return Error{ErrorKind::kUnauthenticated, std::move(message), ""};
}

}  // namespace

AuthService::AuthService(UserStore& users, JwtSigner signer, LoginThrottle& throttle,
                         const Clock& clock, AuthOptions options, ApiKeyService* api_keys)
    : users_(users),
      signer_(std::move(signer)),
      throttle_(throttle),
      clock_(clock),
      options_(options),
      api_keys_(api_keys) {
  auto dummy = hash_password(random_hex(16), options_.hash_cost);
  if (dummy) dummy_hash_ = *dummy;
}

Result<User> AuthService::check_credentials(const std::string& username,
                                            const std::string& password,
                                            const std::string& client_address) {
  if (const int64_t wait = throttle_.retry_after_s(username, client_address); wait > 0) {
    Error e{ErrorKind::kRateLimited, "too many failed logins; try again later", ""};
    e.retry_after_s = static_cast<int>(wait);
    return e;
  }
  auto user = users_.find_user(username);
  if (!user) return user.take_error();
  const bool valid = user->has_value() ? verify_password(password, (*user)->password_hash)
                                       : (verify_password(password, dummy_hash_), false);
  if (!valid) {
    throttle_.record_failure(username, client_address);
    return unauthenticated("Incorrect username or password");
  }
  throttle_.record_success(username, client_address);
  return std::move(**user);
}

Result<IssuedToken> AuthService::login(const std::string& username, const std::string& password,
                                       const std::string& client_address) {
  auto known = check_credentials(username, password, client_address);
  if (!known) return known.take_error();
  auto token = signer_.issue(known->id, known->token_version, clock_.now_ms() / 1000,
                             options_.token_lifetime_s);
  if (!token) return token.take_error();
  return IssuedToken{std::move(token.value()), options_.token_lifetime_s};
}

Result<User> AuthService::authenticate(const std::string& token) {
  if (token.starts_with(kApiKeyPrefix)) {
    if (api_keys_ == nullptr)
      return unauthenticated("Could not validate credentials: API keys are not accepted");
    return api_keys_->authenticate(token);
  }
  const int64_t now_s = clock_.now_ms() / 1000;
  std::optional<TokenClaims> claims;
  {
    std::lock_guard lock(token_cache_mutex_);
    auto it = token_cache_.find(token);
    if (it != token_cache_.end()) claims = it->second;
  }
  if (!claims) {
    auto verified = signer_.verify(token, now_s);
    if (!verified) {
      return unauthenticated("Could not validate credentials: " + verified.error().message);
    }
    claims = *verified;
    std::lock_guard lock(token_cache_mutex_);
    if (token_cache_.size() >= kTokenCacheSize) token_cache_.clear();
    token_cache_.emplace(token, *claims);
  }
  if (claims->expires_at <= now_s) {
    return unauthenticated("Could not validate credentials: invalid token: expired");
  }
  // By id: a user removed and added again under the same name is someone else.
  auto user = users_.find_user_by_id(claims->user_id);
  if (!user) return user.take_error();
  if (!user->has_value()) return unauthenticated("Could not validate credentials: unknown user");
  if ((*user)->token_version != claims->token_version) {
    return unauthenticated("Could not validate credentials: token revoked (password changed)");
  }
  return std::move(**user);
}

Result<std::string> AuthService::bootstrap_admin(const std::string& username,
                                                 const std::string& password) {
  auto existing = users_.list_users();
  if (!existing) return existing.take_error();
  if (!existing->empty()) return std::string();
  if (!password.empty()) {
    if (Status s = check_new_password(password, "ADMIN_PASSWORD"); !s) return s.error();
  }
  const std::string chosen = password.empty() ? random_hex(12) : password;
  auto hash = hash_password(chosen, options_.hash_cost);
  if (!hash) return hash.take_error();
  User admin{new_uuid4(), username, *hash, true, clock_.now_ms(), 0};
  if (Status s = users_.add_user(admin); !s) {
    // Another node starting at the same moment created it first: that is fine.
    if (s.error().kind == ErrorKind::kInvalidInput) return std::string();
    return s.error();
  }
  return chosen;
}

}  // namespace polyvox
