// The Lua shared by the job and task scripts (redis_job_scripts.cpp, redis_task_scripts.cpp):
// key names, status codes and the multi-key steps several scripts take (status changes with
// their counters, dropping a task wherever it is, withdrawing a job's work, failing a job).
// Internal to the Redis backend.
#pragma once

#include <string>
#include <string_view>

#include "jobs/redis/redis_pool.h"

namespace polyvox::redis::scripts {

// Returns the prelude followed by `body`.
std::string with_prelude(std::string_view body);

// A script that owns its source: made once, in a function-local static.
struct OwnedScript {
  // `prelude`: the shared Lua above goes first.
  OwnedScript(std::string_view name, std::string_view body, bool prelude = true)
      : source(prelude ? with_prelude(body) : std::string(body)), script{name, source} {}
  const std::string source;
  const Script script;
};

}  // namespace polyvox::redis::scripts
