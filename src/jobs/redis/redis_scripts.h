// The Lua scripts of the Redis backend, one per atomic step. Every script takes the key prefix as
// ARGV[1] and no KEYS: the keys it touches depend on what it reads (a job's owner, its blocks),
// so the backend needs one Redis node (with replicas or not), not Redis Cluster. Keys, values
// and the role of each script: redis_job_store.h.
#pragma once

#include "jobs/redis/redis_pool.h"

namespace polyvox::redis::scripts {

// Jobs (redis_job_scripts.cpp).
const Script& create_job();
const Script& read_job();
const Script& list_jobs();
const Script& cancel_job();
const Script& delete_job();
const Script& read_usage();

// Tasks (redis_task_scripts.cpp).
const Script& claim();
const Script& heartbeat();
const Script& complete_block();
const Script& fail_task();
const Script& complete_assembly();
const Script& release();
const Script& forget_consumers();

// Users, login throttle and leader lease (redis_auth_scripts.cpp).
const Script& add_user();
const Script& set_password_hash();
const Script& remove_user();
const Script& list_users();
const Script& record_login_failure();
const Script& acquire_leadership();
const Script& release_leadership();

// Status codes the scripts store and return (the integers of JobStatus and BlockStatus, and of
// ReportOutcome's order below).
enum ScriptOutcome { kScriptRefused = 0, kScriptAccepted = 1, kScriptDuplicate = 2 };

}  // namespace polyvox::redis::scripts
