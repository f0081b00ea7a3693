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

// A script that owns its source: made once, in a function-local static. The prelude goes first,
// unless constructed with kNoPrelude.
struct NoPrelude {};
inline constexpr NoPrelude kNoPrelude;
struct OwnedScript {
  OwnedScript(std::string_view name, std::string_view body)
      : source(with_prelude(body)), script{name, source} {}
  OwnedScript(std::string_view name, NoPrelude, std::string_view body)
      : source(body), script{name, source} {}
  const std::string source;
  const Script script;
};

}  // namespace polyvox::redis::scripts
