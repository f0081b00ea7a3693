// The Lua scripts of the Redis backend, one per atomic step. Each is a file lua/<name>.lua whose
// opening comment is its contract (ARGV by position, what it returns, atomicity and fencing),
// embedded at build time (redis_lua_files.h) and reached here as scripts::<name>(); Pool::eval
// loads it with SCRIPT LOAD on first use and runs it with EVALSHA. Every script takes the key
// prefix as ARGV[1] and no KEYS: the keys it touches depend on what it reads (a job's owner, its
// blocks), so the backend needs one Redis node (with replicas or not), not Redis Cluster. Keys
// and values: redis_job_store.h.
#pragma once

#include <vector>

#include "jobs/redis/redis_pool.h"

namespace polyvox::redis::scripts {

// What runs before a script's own text: nothing, or lua/prelude.lua (key names, status codes
// and the steps the job and task scripts share).
enum class Prelude { kNone, kShared };

// Every script, as X(name, prelude): its text is lua/<name>.lua, preceded by `prelude`.
// ADDING A SCRIPT: write lua/<name>.lua, opening with its contract as the others do, and add
// its line here; call it as pool.eval(scripts::<name>(), args).
#define POLYVOX_REDIS_SCRIPTS(X)                                      \
  /* Jobs (RedisJobStore's JobStore half) */                          \
  X(create_job, Prelude::kShared)                                     \
  X(read_job, Prelude::kShared)                                       \
  X(list_jobs, Prelude::kShared)                                      \
  X(cancel_job, Prelude::kShared)                                     \
  X(delete_job, Prelude::kShared)                                     \
  X(read_usage, Prelude::kShared)                                     \
  X(read_events, Prelude::kShared)                                    \
  /* Tasks (its TaskQueue half; every report fenced by its lease) */  \
  X(claim, Prelude::kShared)                                          \
  X(heartbeat, Prelude::kShared)                                      \
  X(complete_block, Prelude::kShared)                                 \
  X(fail_task, Prelude::kShared)                                      \
  X(complete_assembly, Prelude::kShared)                              \
  X(release, Prelude::kShared)                                        \
  X(forget_consumers, Prelude::kShared)                               \
  X(forget_departed_consumers, Prelude::kShared)                      \
  /* Users, login throttle, leader lease (redis_user_store.h, ...) */ \
  X(add_user, Prelude::kNone)                                         \
  X(set_password_hash, Prelude::kNone)                                \
  X(set_quotas, Prelude::kNone)                                       \
  X(remove_user, Prelude::kNone)                                      \
  X(list_users, Prelude::kNone)                                       \
  X(find_user_by_id, Prelude::kNone)                                  \
  X(migrate_owners, Prelude::kNone)                                   \
  X(record_login_failure, Prelude::kNone)                             \
  X(acquire_leadership, Prelude::kNone)                               \
  X(release_leadership, Prelude::kNone)                               \
  /* Webhooks (redis_webhook_outbox.h, redis_user_store.h) */         \
  X(claim_webhooks, Prelude::kNone)                                   \
  X(record_webhook, Prelude::kNone)                                   \
  X(webhook_secret, Prelude::kNone)                                   \
  /* API keys (redis_api_key_store.h) */                              \
  X(add_api_key, Prelude::kNone)                                      \
  X(find_api_key, Prelude::kNone)                                     \
  X(list_api_keys, Prelude::kNone)                                    \
  X(revoke_api_key, Prelude::kNone)                                   \
  X(record_api_key_use, Prelude::kNone)

// const Script& create_job(); and so on: each made once, on first use. Thread-safe.
#define POLYVOX_DECLARE_SCRIPT(name, prelude) const Script& name();
POLYVOX_REDIS_SCRIPTS(POLYVOX_DECLARE_SCRIPT)
#undef POLYVOX_DECLARE_SCRIPT

// Every script above, in that order (tests load them all). Thread-safe.
const std::vector<const Script*>& all();

// Status codes the scripts store and return (the integers of JobStatus and BlockStatus, and of
// ReportOutcome's order below).
enum ScriptOutcome { kScriptRefused = 0, kScriptAccepted = 1, kScriptDuplicate = 2 };

}  // namespace polyvox::redis::scripts
