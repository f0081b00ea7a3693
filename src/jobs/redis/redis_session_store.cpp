#include "jobs/redis/redis_session_store.h"

#include <sstream>

namespace polyvox::redis {

Status RedisSessionStore::add_session(const Session& session) {
  const std::string value = session.user_id + " " + std::to_string(session.token_version) + " " +
                            std::to_string(session.created_at_ms) + " " +
                            std::to_string(session.expires_at_ms);
  // NX: a taken hash is refused, never overwritten. PXAT: Redis forgets it when it expires.
  auto reply = pool_->run({"SET", keys_.session(session.hash), value, "NX", "PXAT",
                           std::to_string(std::max<int64_t>(session.expires_at_ms, 1))});
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return invalid_input("hash", "a session with this hash exists");
  return Status::success();
}

Result<std::optional<Session>> RedisSessionStore::find_session(const std::string& hash) {
  auto reply = pool_->run({"GET", keys_.session(hash)});
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return std::optional<Session>();
  Session session;
  session.hash = hash;
  std::istringstream fields(reply->str);
  if (!(fields >> session.user_id >> session.token_version >> session.created_at_ms >>
        session.expires_at_ms)) {
    return Error{ErrorKind::kInternal, "a stored session is malformed", ""};
  }
  return std::optional<Session>(std::move(session));
}

Status RedisSessionStore::remove_session(const std::string& hash) {
  auto reply = pool_->run({"DEL", keys_.session(hash)});
  if (!reply) return reply.take_error();
  return Status::success();
}

}  // namespace polyvox::redis
