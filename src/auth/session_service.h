// The studio's browser sessions: begun with a name and a password (POST /session, throttled as
// /token is), carried by an HttpOnly cookie holding a random secret, ended by logout. A session
// is refused once ended, expired, its user removed, or the user's password changed since it
// began (the user's token version, as for JWTs).
//
// Every request that a session cookie authenticates and that may change something (any method
// but GET and HEAD) must also present the session's CSRF token (X-CSRF-Token): a page of another
// site can make the browser send the cookie, but cannot read the token. The token is derived
// from the secret (SHA-256 of a label and the secret), so it costs no storage and no lookup, and
// who does not hold the secret cannot compute it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/session_store.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/error.h"

namespace polyvox {

// What every session secret starts with.
inline constexpr std::string_view kSessionSecretPrefix = "pvs_";

struct SessionOptions {
  int64_t lifetime_ms = 12 * 3'600'000;  // a working day; the user signs in again after it
};

// A session as its holder sees it.
struct SessionGrant {
  User user;
  std::string csrf_token;  // to send as X-CSRF-Token on every request but GET and HEAD
  int64_t expires_at_ms = 0;
};

struct IssuedSession {
  std::string secret;  // the cookie's value: the only time it exists outside the browser
  SessionGrant grant;
};

class SessionService {
 public:
  SessionService(SessionStore& sessions, UserStore& users, const Clock& clock,
                 SessionOptions options = {})
      : sessions_(sessions), users_(users), clock_(clock), options_(options) {}

  // A new session of `user` (whose password the caller has checked), expiring lifetime_ms
  // from now. Errors: the store's. Thread-safe.
  Result<IssuedSession> begin(const User& user);

  // The session whose secret is `secret`, with its user as stored now. kUnauthenticated when
  // the text is not a session secret, no stored session has it (never begun, or ended), it
  // expired, its user was removed, or the user's password changed since it began. Thread-safe.
  Result<SessionGrant> authenticate(std::string_view secret);

  // Ends the session whose secret is `secret` (refused from the next request on, on every
  // node). Idempotent. Thread-safe.
  Status end(std::string_view secret);

  // The CSRF token of the session whose secret is `secret`.
  static std::string csrf_token(std::string_view secret);

 private:
  SessionStore& sessions_;
  UserStore& users_;
  const Clock& clock_;
  const SessionOptions options_;
};

}  // namespace polyvox
