// Names of the Redis backend's keys that C++ reads directly (the scripts build the same names;
// the full layout is documented in redis_job_store.h). Every key starts with the prefix.
#pragma once

#include <string>

namespace polyvox::redis {

struct Keys {
  std::string prefix = "polyvox:";

  // The consumer group of the task stream.
  static constexpr const char* kGroup = "workers";

  std::string tasks() const { return prefix + "tasks"; }
  std::string delayed() const { return prefix + "delayed"; }
  std::string counters() const { return prefix + "counters"; }
  std::string finished_jobs() const { return prefix + "jobs:finished"; }
  std::string job(const std::string& id) const { return prefix + "job:" + id; }
  std::string block(const std::string& id, std::size_t index) const {
    return job(id) + ":block:" + std::to_string(index);
  }
  std::string user(const std::string& name) const { return prefix + "user:" + name; }
  std::string users() const { return prefix + "users"; }
  std::string owners_migrated() const { return prefix + "owners_migrated"; }
  std::string throttle(const std::string& suffix) const { return prefix + "throttle:" + suffix; }
  std::string leader(const std::string& name) const { return prefix + "leader:" + name; }
  std::string webhook(const std::string& id) const { return prefix + "webhook:" + id; }
  std::string webhooks_due() const { return prefix + "webhooks:due"; }
  std::string webhook_secrets() const { return prefix + "webhook_secrets"; }
  std::string session(const std::string& hash) const { return prefix + "session:" + hash; }
};

}  // namespace polyvox::redis
