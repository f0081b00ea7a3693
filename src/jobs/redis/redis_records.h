// How the Redis backend's hashes (layout: redis_job_store.h) read back as JobRecords,
// BlockRecords, Users, ApiKeys and usage, and how script replies read as tasks.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/api_key_store.h"
#include "auth/user_store.h"
#include "jobs/job_store.h"
#include "jobs/redis/redis_value.h"
#include "jobs/task_queue.h"

namespace polyvox::redis {

using Fields = std::map<std::string, std::string>;

// A job hash (HGETALL) as a JobRecord without blocks.
JobRecord job_from_fields(const Fields& fields);
// A block hash as the BlockRecord of block `index`.
BlockRecord block_from_fields(std::size_t index, const Fields& fields);
// A user hash.
User user_from_fields(const Fields& fields);
// An API key hash.
ApiKey api_key_from_fields(const Fields& fields);
// A usage hash ('<provider>|<counter>' -> count) as per-provider usage, by provider name.
std::vector<ProviderUsage> usage_from_fields(const Fields& fields);

// The id of a task in the backend's keys: '<job id>:<block index>' or '<job id>:a'.
std::string task_id(const Task& task);

// ARGV of the job scripts: create_job's per-block part (kArgsPerBlock values), complete_block's
// usage part.
inline constexpr std::size_t kArgsPerBlock = 11;
void append_block_args(const BlockSpec& block, std::vector<std::string>& args);
void append_usage_args(const std::vector<ProviderUsage>& usage, std::vector<std::string>& args);

// A string field as a number (0 when absent or malformed).
int64_t int_field(const Fields& fields, const std::string& name);

}  // namespace polyvox::redis
