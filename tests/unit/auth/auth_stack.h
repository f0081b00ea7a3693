// An AuthService as the service wires it in embedded mode — the SQLite user, API key and
// session stores in a temporary directory, the in-memory login throttle, an ApiKeyService and a
// SessionService — on a ManualClock
// and with a cheap password hash (tests hash many passwords; the cost does not change what is
// verified).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth/auth_service.h"
#include "auth/session_service.h"
#include "core/clock.h"
#include "core/ids.h"
#include "jobs/sqlite/sqlite_backend.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox::test_support {

// libsodium's smallest argon2id cost: 1 pass over 8 KiB.
inline PasswordHashCost cheap_hash_cost() { return PasswordHashCost{1, 8192}; }

inline std::string signing_key() { return std::string(32, 'k'); }

class AuthStack {
 public:
  explicit AuthStack(AuthOptions options = cheap_options()) {
    auto backend = sqlite::open_sqlite_backend(
        {.path = dir_ / "polyvox.db", .synchronous_full = false}, {.clock = &clock_});
    if (!backend.ok()) throw std::runtime_error(backend.error().message);
    backend_ = *backend;
    api_keys_ = std::make_unique<ApiKeyService>(*backend_->api_keys, *backend_->users, clock_);
    auth_ = std::make_unique<AuthService>(*backend_->users, JwtSigner(signing_key()), throttle_,
                                          clock_, options, api_keys_.get());
    sessions_ = std::make_unique<SessionService>(*backend_->sessions, *backend_->users, clock_);
  }

  static AuthOptions cheap_options() {
    AuthOptions options;
    options.hash_cost = cheap_hash_cost();
    return options;
  }

  // Adds a user with `password`; returns its id.
  std::string add_user(const std::string& name, const std::string& password, bool admin = false) {
    auto hash = hash_password(password, cheap_hash_cost());
    EXPECT_TRUE(hash.ok());
    const std::string id = new_uuid4();
    EXPECT_TRUE(
        users().add_user(User{id, name, hash.ok() ? *hash : "", admin, clock_.now_ms()}).ok());
    return id;
  }

  // Gives user `name` a new password, as `polyvox users passwd` does.
  void change_password(const std::string& name, const std::string& password) {
    auto hash = hash_password(password, cheap_hash_cost());
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(users().set_password_hash(name, *hash).ok());
  }

  // A token for a user the test added.
  std::string token_for(const std::string& name, const std::string& password) {
    auto token = auth_->login(name, password, "127.0.0.1");
    EXPECT_TRUE(token.ok()) << token.error().message;
    return token.ok() ? token->access_token : "";
  }

  // A new API key of the user whose id is `user_id`, never expiring; its text.
  std::string key_for(const std::string& user_id, const std::string& name = "test key") {
    auto issued = api_keys_->create(user_id, name, 0);
    EXPECT_TRUE(issued.ok()) << issued.error().message;
    return issued.ok() ? issued->key : "";
  }

  // A new session of user `name`; its secret (the cookie's value).
  std::string session_for(const std::string& name) {
    auto user = users().find_user(name);
    EXPECT_TRUE(user.ok() && user->has_value());
    if (!user.ok() || !user->has_value()) return "";
    auto issued = sessions_->begin(**user);
    EXPECT_TRUE(issued.ok()) << issued.error().message;
    return issued.ok() ? issued->secret : "";
  }

  AuthService& auth() { return *auth_; }
  SessionService& sessions() { return *sessions_; }
  ApiKeyService& api_keys() { return *api_keys_; }
  ApiKeyStore& api_key_store() { return *backend_->api_keys; }
  SessionStore& session_store() { return *backend_->sessions; }
  UserStore& users() { return *backend_->users; }
  JobStore& jobs() { return *backend_->jobs; }
  ManualClock& clock() { return clock_; }

 private:
  TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<sqlite::SqliteBackend> backend_;
  InMemoryLoginThrottle throttle_{clock_};
  std::unique_ptr<ApiKeyService> api_keys_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<SessionService> sessions_;
};

}  // namespace polyvox::test_support
