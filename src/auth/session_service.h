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
//
// Recognizing a session costs a SHA-256, a lookup in a small cache of sessions read from the
// store (by hash) less than cache_max_age_ms (1 s) ago, and the user's read (which the user
// store may serve from its own cache, as it does for every token). So a logout is refused at
// once by the node that ended the session (its entry is erased) and within cache_max_age_ms by
// every other node; a password change or a user's removal as soon as the user store tells it
// (the token version, as for JWTs). Expiry is checked on every use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/session_store.h"
#include "auth/user_store.h"
#include "auth/verified_cache.h"
#include "core/clock.h"
#include "core/error.h"

namespace polyvox {

// What every session secret starts with.
inline constexpr std::string_view kSessionSecretPrefix = "pvs_";

struct SessionOptions {
  int64_t lifetime_ms = 12 * 3'600'000;  // a working day; the user signs in again after it
  int64_t cache_max_age_ms = 1000;       // how stale a session read may be (see above)
  std::size_t cache_entries = 4096;      // sessions kept at most
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
      : sessions_(sessions),
        users_(users),
        clock_(clock),
        options_(options),
        cache_(options.cache_max_age_ms, options.cache_entries) {}

  // A new session of `user` (whose password the caller has checked), expiring lifetime_ms
  // from now. Errors: the store's. Thread-safe.
  Result<IssuedSession> begin(const User& user);

  // The session whose secret is `secret`, with its user as stored now. kUnauthenticated when
  // the text is not a session secret, no stored session has it (never begun, or ended), it
  // expired, its user was removed, or the user's password changed since it began. Thread-safe.
  Result<SessionGrant> authenticate(std::string_view secret);

  // Ends the session whose secret is `secret`: refused from the next request on by this node,
  // within cache_max_age_ms by every other. Idempotent. Thread-safe.
  Status end(std::string_view secret);

  // The CSRF token of the session whose secret is `secret`.
  static std::string csrf_token(std::string_view secret);

  // Sessions in the cache now (at most cache_entries). Thread-safe.
  std::size_t cached_sessions() const { return cache_.size(); }

 private:
  SessionStore& sessions_;
  UserStore& users_;
  const Clock& clock_;
  const SessionOptions options_;
  VerifiedCache<Session> cache_;  // sessions found in the store, by the secret's hash
};

}  // namespace polyvox
