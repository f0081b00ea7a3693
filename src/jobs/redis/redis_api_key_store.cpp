#include "jobs/redis/redis_api_key_store.h"

#include "jobs/redis/redis_records.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {

Status RedisApiKeyStore::add_key(const ApiKey& key, std::size_t max_per_user) {
  auto reply = pool_->eval(scripts::add_api_key(),
                           {keys_.prefix, key.id, key.user_id, key.name, key.prefix, key.hash,
                            std::to_string(key.created_at_ms), std::to_string(key.expires_at_ms),
                            std::to_string(key.last_used_at_ms), std::to_string(max_per_user)});
  if (!reply) return reply.take_error();
  switch (reply->as_int().value_or(-3)) {
    case 1:
      return Status::success();
    case 0:
      return Error{ErrorKind::kNotFound, "no user has the id " + key.user_id, ""};
    case -1:
      return Error{ErrorKind::kConflict,
                   "the user has " + std::to_string(max_per_user) +
                       " API keys already (the most allowed): revoke one first",
                   ""};
    case -2:
      return invalid_input("id", "an API key with this id or hash exists");
    default:
      return Error{ErrorKind::kInternal, "add_api_key answered something unexpected", ""};
  }
}

Result<std::optional<ApiKey>> RedisApiKeyStore::find_key_by_hash(const std::string& hash) {
  auto reply = pool_->eval(scripts::find_api_key(), {keys_.prefix, hash}, Access::kRead);
  if (!reply) return reply.take_error();
  const Fields fields = reply->as_map();
  if (fields.empty()) return std::optional<ApiKey>();
  return std::optional<ApiKey>(api_key_from_fields(fields));
}

Result<std::vector<ApiKey>> RedisApiKeyStore::list_keys(const std::string& user_id) {
  auto reply = pool_->eval(scripts::list_api_keys(), {keys_.prefix, user_id}, Access::kRead);
  if (!reply) return reply.take_error();
  std::vector<ApiKey> keys;
  for (const Value& fields : reply->elements) keys.push_back(api_key_from_fields(fields.as_map()));
  return keys;
}

Status RedisApiKeyStore::revoke_key(const std::string& id, const std::string& owner_id) {
  // Running it twice deletes once and answers 0 the second time: never sent again (a lost
  // answer is kUnavailable, and the caller may ask again).
  auto reply = pool_->eval(scripts::revoke_api_key(), {keys_.prefix, id, owner_id});
  if (!reply) return reply.take_error();
  if (reply->as_int() != 1) return Error{ErrorKind::kNotFound, "API key not found", ""};
  return Status::success();
}

Result<bool> RedisApiKeyStore::record_use(const std::string& id, int64_t now_ms,
                                          int64_t min_interval_ms) {
  auto reply = pool_->eval(scripts::record_api_key_use(), {keys_.prefix, id, std::to_string(now_ms),
                                                           std::to_string(min_interval_ms)});
  if (!reply) return reply.take_error();
  return reply->as_int() == 1;
}

}  // namespace polyvox::redis
