// The SessionStore seam: the studio's signed-in browser sessions. Implementations sit beside the
// user store of each backend: sqlite (jobs/sqlite/, table sessions) and redis (jobs/redis/, keys
// P session:<hash> that expire with the session). Every method is thread-safe.
//
// A session is stored by the SHA-256 of its secret (the cookie's value), never the secret itself:
// whoever reads the store cannot sign in with what they read. A session names its user's id and
// the user's token version when it began; the SessionService refuses it once the user is gone or
// their password changed (token versions, as for JWTs), so the store need not follow users.
// Reads are never cached: a session ended on one node is refused by the next read of every node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"

namespace polyvox {

struct Session {
  std::string hash;           // SHA-256 of the secret, 64 lower-case hex digits
  std::string user_id;        // the user's User::id
  int64_t token_version = 0;  // the user's User::token_version when the session began
  int64_t created_at_ms = 0;  // Unix epoch milliseconds
  int64_t expires_at_ms = 0;  // after this the session is refused (and may be forgotten)
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Stores `session` (every field as given). May forget sessions that expired before
  // session.created_at_ms. kInvalidInput when session.hash is taken.
  // REQUIRES: session.hash is the hash of a fresh random secret.
  virtual Status add_session(const Session& session) = 0;

  // The session whose hash is `hash`, or nullopt (never begun, ended, or forgotten after it
  // expired). An expired session may still be found: refusing it is the caller's.
  virtual Result<std::optional<Session>> find_session(const std::string& hash) = 0;

  // Forgets the session whose hash is `hash`. Idempotent: OK when there was none.
  virtual Status remove_session(const std::string& hash) = 0;
};

}  // namespace polyvox
