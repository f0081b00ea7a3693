#include "jobs/redis/redis_user_store.h"

#include "jobs/redis/redis_records.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {
namespace {

Error user_not_found(const std::string& name) {
  return Error{ErrorKind::kNotFound, "user " + name + " not found", ""};
}

// Runs a script that answers 1 when it changed user `name` and 0 when there is no such user.
Status change_user(Pool& pool, const Script& script, const std::vector<std::string>& args,
                   const std::string& name) {
  auto reply = pool.eval(script, args);
  if (!reply) return reply.take_error();
  if (reply->as_int() != 1) return user_not_found(name);
  return Status::success();
}

}  // namespace

Result<std::optional<User>> RedisUserStore::find_user(const std::string& name) {
  auto reply = pool_->run({"HGETALL", keys_.user(name)});
  if (!reply) return reply.take_error();
  const Fields fields = reply->as_map();
  if (fields.empty()) return std::optional<User>();
  return std::optional<User>(user_from_fields(fields));
}

Status RedisUserStore::add_user(const User& user) {
  auto reply = pool_->eval(scripts::add_user(),
                           {keys_.prefix, user.name, user.password_hash, user.admin ? "1" : "0",
                            std::to_string(user.created_at_ms)});
  if (!reply) return reply.take_error();
  if (reply->as_int() != 1) return invalid_input("name", "user " + user.name + " exists");
  return Status::success();
}

Status RedisUserStore::set_password_hash(const std::string& name, const std::string& hash) {
  return change_user(*pool_, scripts::set_password_hash(), {keys_.prefix, name, hash}, name);
}

Status RedisUserStore::remove_user(const std::string& name) {
  return change_user(*pool_, scripts::remove_user(), {keys_.prefix, name}, name);
}

Result<std::vector<User>> RedisUserStore::list_users() {
  auto reply = pool_->eval(scripts::list_users(), {keys_.prefix});
  if (!reply) return reply.take_error();
  std::vector<User> users;
  for (const Value& fields : reply->elements) users.push_back(user_from_fields(fields.as_map()));
  return users;
}

}  // namespace polyvox::redis
