#include "auth/session_service.h"

#include "auth/api_key_secret.h"

namespace polyvox {
namespace {

Error refused(const std::string& why) {
  return Error{ErrorKind::kUnauthenticated, "Could not validate the session: " + why, ""};
}

}  // namespace

Result<IssuedSession> SessionService::begin(const User& user) {
  const int64_t now_ms = clock_.now_ms();
  IssuedSession issued{new_random_secret(kSessionSecretPrefix), {}};
  Session session{secret_hash(issued.secret), user.id, user.token_version, now_ms,
                  now_ms + options_.lifetime_ms};
  if (Status s = sessions_.add_session(session); !s) return s.error();
  issued.grant = SessionGrant{user, csrf_token(issued.secret), session.expires_at_ms};
  return issued;
}

Result<SessionGrant> SessionService::authenticate(std::string_view secret) {
  if (!is_random_secret_form(secret, kSessionSecretPrefix)) return refused("malformed cookie");
  const std::string hash = secret_hash(secret);
  const int64_t now_ms = clock_.now_ms();
  std::optional<Session> cached = cache_.find(hash, now_ms);
  if (!cached) {
    const uint64_t generation = cache_.generation();
    auto session = sessions_.find_session(hash);
    if (!session) return session.take_error();
    if (!session->has_value()) return refused("signed out or unknown");
    cached = std::move(*session);
    cache_.put(hash, *cached, now_ms, generation);
  }
  const Session& found = *cached;
  if (found.expires_at_ms <= now_ms) return refused("expired");
  // By id: a user removed and added again under the same name is someone else.
  auto user = users_.find_user_by_id(found.user_id);
  if (!user) return user.take_error();
  if (!user->has_value()) return refused("unknown user");
  if ((*user)->token_version != found.token_version) {
    return refused("revoked (password changed)");
  }
  return SessionGrant{std::move(**user), csrf_token(secret), found.expires_at_ms};
}

Status SessionService::end(std::string_view secret) {
  if (!is_random_secret_form(secret, kSessionSecretPrefix)) return Status::success();
  const std::string hash = secret_hash(secret);
  Status removed = sessions_.remove_session(hash);
  // After the store: a verification that read the session before its removal cannot cache it
  // again (the erase moves the cache's generation on).
  cache_.erase(hash);
  return removed;
}

std::string SessionService::csrf_token(std::string_view secret) {
  return secret_hash("polyvox-csrf:" + std::string(secret));
}

}  // namespace polyvox
