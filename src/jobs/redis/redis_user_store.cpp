#include "jobs/redis/redis_user_store.h"

#include "core/ids.h"
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

// A user hash as found, or nullopt for an empty or nil reply (no such user).
std::optional<User> user_from_reply(const Value& reply) {
  const Fields fields = reply.as_map();
  if (fields.empty()) return std::nullopt;
  return user_from_fields(fields);
}

}  // namespace

Status RedisUserStore::ensure_migrated() {
  if (migrated_.load(std::memory_order_acquire)) return Status::success();
  std::lock_guard lock(migration_mutex_);
  if (migrated_.load(std::memory_order_relaxed)) return Status::success();
  auto done = pool_->run({"EXISTS", keys_.owners_migrated()});
  if (!done) return done.take_error();
  // A user added by an older node between the read of the names and the script is retried.
  for (int attempt = 0; done->as_int() != 1 && attempt < 3; ++attempt) {
    auto names = pool_->run({"ZRANGE", keys_.users(), "0", "-1"});
    if (!names) return names.take_error();
    std::vector<std::string> args{keys_.prefix};
    for (const Value& name : names->elements) {
      args.push_back(name.str);
      args.push_back(new_uuid4());
    }
    auto migrated = pool_->eval(scripts::migrate_owners(), args);
    if (!migrated) return migrated.take_error();
    done = std::move(migrated);
  }
  if (done->as_int() != 1) {
    return Error{ErrorKind::kUnavailable, "users keep being added without ids during migration",
                 ""};
  }
  migrated_.store(true, std::memory_order_release);
  return Status::success();
}

Result<std::optional<User>> RedisUserStore::find_user(const std::string& name) {
  if (Status s = ensure_migrated(); !s) return s.error();
  auto reply = pool_->run({"HGETALL", keys_.user(name)});
  if (!reply) return reply.take_error();
  return user_from_reply(*reply);
}

Result<std::optional<User>> RedisUserStore::find_user_by_id(const std::string& id) {
  if (Status s = ensure_migrated(); !s) return s.error();
  auto reply = pool_->eval(scripts::find_user_by_id(), {keys_.prefix, id});
  if (!reply) return reply.take_error();
  return user_from_reply(*reply);
}

Status RedisUserStore::add_user(const User& user) {
  if (Status s = ensure_migrated(); !s) return s;
  auto reply =
      pool_->eval(scripts::add_user(),
                  {keys_.prefix, user.id, user.name, user.password_hash, user.admin ? "1" : "0",
                   std::to_string(user.created_at_ms), std::to_string(user.token_version)});
  if (!reply) return reply.take_error();
  if (reply->as_int() != 1) return invalid_input("name", "user " + user.name + " exists");
  return Status::success();
}

Status RedisUserStore::set_password_hash(const std::string& name, const std::string& hash) {
  if (Status s = ensure_migrated(); !s) return s;
  return change_user(*pool_, scripts::set_password_hash(), {keys_.prefix, name, hash}, name);
}

Status RedisUserStore::set_quotas(const std::string& name, const QuotaOverrides& quotas) {
  if (Status s = ensure_migrated(); !s) return s;
  std::vector<std::string> args{keys_.prefix, name};
  for (const QuotaOverride& o :
       {quotas.max_queued_jobs, quotas.max_queued_blocks, quotas.max_chars_per_day}) {
    const auto stored = stored_override(o);
    args.push_back(stored ? std::to_string(*stored) : std::string());
  }
  return change_user(*pool_, scripts::set_quotas(), args, name);
}

Status RedisUserStore::remove_user(const std::string& name) {
  if (Status s = ensure_migrated(); !s) return s;
  return change_user(*pool_, scripts::remove_user(), {keys_.prefix, name}, name);
}

Result<std::vector<User>> RedisUserStore::list_users() {
  if (Status s = ensure_migrated(); !s) return s.error();
  auto reply = pool_->eval(scripts::list_users(), {keys_.prefix});
  if (!reply) return reply.take_error();
  std::vector<User> users;
  for (const Value& fields : reply->elements) users.push_back(user_from_fields(fields.as_map()));
  return users;
}

Result<std::string> RedisUserStore::webhook_secret(const std::string& user_id,
                                                   const std::string& candidate) {
  // Read first: the script (a write) runs on a user's first use only.
  auto stored = pool_->run({"HGET", keys_.webhook_secrets(), user_id});
  if (!stored) return stored.take_error();
  if (!stored->is_nil() && !stored->text().empty()) {
    // A removed user's secret goes with the user (remove_user.lua), so a stored one is current.
    return stored->text();
  }
  return store_webhook_secret(user_id, candidate, "ensure");
}

Status RedisUserStore::replace_webhook_secret(const std::string& user_id,
                                              const std::string& secret) {
  auto stored = store_webhook_secret(user_id, secret, "replace");
  if (!stored) return stored.take_error();
  return Status::success();
}

Result<std::string> RedisUserStore::store_webhook_secret(const std::string& user_id,
                                                         const std::string& secret,
                                                         const char* mode) {
  if (Status s = ensure_migrated(); !s) return s.error();
  auto reply = pool_->eval(scripts::webhook_secret(), {keys_.prefix, user_id, secret, mode});
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return Error{ErrorKind::kNotFound, "no user has the id " + user_id, ""};
  return reply->text();
}

}  // namespace polyvox::redis
