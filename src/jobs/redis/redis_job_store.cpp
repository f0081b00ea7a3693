// The JobStore half of RedisJobStore; the TaskQueue half is redis_job_store_tasks.cpp.
#include "jobs/redis/redis_job_store.h"

#include <algorithm>
#include <tuple>

#include "core/ids.h"
#include "jobs/redis/redis_records.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {
namespace {

Error job_not_found(const std::string& id) {
  return Error{ErrorKind::kNotFound, "job " + id + " not found", ""};
}

Error malformed(const char* what) {
  return Error{ErrorKind::kInternal, std::string("unexpected Redis reply to ") + what, ""};
}

// Counts and offsets as script arguments: Lua numbers are doubles, keep them exact.
std::string bounded(std::size_t n) {
  return std::to_string(std::min<std::size_t>(n, std::size_t{1} << 40));
}

}  // namespace

RedisJobStore::RedisJobStore(std::shared_ptr<Pool> pool, JobStoreOptions options)
    : clock_(options.clock != nullptr ? *options.clock : system_clock_),
      options_(std::move(options)),
      keys_{options_.key_prefix},
      pool_(std::move(pool)) {}

Result<JobRecord> RedisJobStore::create_job(const NewJob& job) {
  // A job without blocks would never enqueue its assembly: it could never finish.
  if (job.spec.blocks.empty()) return invalid_input("blocks", "a job needs at least one block");
  const JobRecord record = queued_record(job, clock_.now_ms());
  std::vector<std::string> args{keys_.prefix,
                                std::to_string(record.created_at_ms),
                                record.id,
                                record.owner,
                                record.owner_name,
                                record.project_id,
                                output_format_name(record.output_format),
                                std::to_string(record.blocks_total)};
  args.reserve(args.size() + kArgsPerBlock * job.spec.blocks.size() + 7);
  for (const BlockSpec& block : job.spec.blocks) append_block_args(block, args);
  args.push_back(job.spec.webhook_url);
  args.push_back(job.spec.webhook_url.empty() ? std::string() : job.base_url);
  args.push_back(std::to_string(record.sample_rate));
  args.push_back(std::to_string(record.bitrate_kbps));
  args.push_back(record.parent_id);
  args.push_back(delivery_profile_name(record.profile));
  args.push_back(record.cover_url);
  args.push_back(job.spec.interactive ? "1" : "0");
  args.push_back(claims_interactively(job.spec, options_.interactive_max_blocks) ? "i" : "b");
  for (const auto& limit :
       {job.quota.max_queued_jobs, job.quota.max_queued_blocks, job.quota.max_chars_per_day}) {
    args.push_back(limit ? std::to_string(*limit) : std::string());
  }
  args.push_back(std::to_string(job_characters(job.spec)));
  args.push_back(std::to_string(utc_day(record.created_at_ms)));
  // Sent again when Redis closed the connection before answering: the script may have run, and
  // its repeat then finds this same submission stored (below).
  auto seq = pool_->eval(scripts::create_job(), args, Access::kIdempotent);
  if (!seq) return seq.take_error();
  if (seq->is_array()) {  // {quota, limit, what the job would make it}: refused
    const auto& e = seq->elements;
    if (e.size() != 3) return Error{ErrorKind::kInternal, "unexpected reply to create_job", ""};
    const std::string& quota = e[0].str;
    return quota_exceeded(quota, e[1].as_int().value_or(0), e[2].as_int().value_or(0),
                          quota == "max_chars_per_day"
                              ? seconds_to_next_utc_day(record.created_at_ms)
                              : kQueuedQuotaRetryAfterS);
  }
  if (seq->as_int().value_or(0) != 0) return record;
  // The id exists: this same submission (stored by a first try whose answer was lost) is
  // success, another one an error. What is compared never changes once stored.
  auto stored = get_job(job.id, true);
  if (stored.ok() && is_same_submission(*stored, job)) {
    stored->blocks.clear();
    return stored;
  }
  if (!stored.ok() && stored.error().kind != ErrorKind::kNotFound) return stored.take_error();
  return invalid_input("job_id", "a job with id " + job.id + " exists");
}

Result<JobRecord> RedisJobStore::get_job(const std::string& id, bool with_blocks) {
  return read_job(id, with_blocks ? "all" : "none");
}

Result<JobRecord> RedisJobStore::get_job_progress(const std::string& id) {
  return read_job(id, "progress");
}

Result<JobRecord> RedisJobStore::read_job(const std::string& id, const char* blocks) {
  auto reply = pool_->eval(scripts::read_job(), {keys_.prefix, id, blocks}, Access::kRead);
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return job_not_found(id);
  if (!reply->is_array() || reply->elements.empty()) return malformed("read_job");
  JobRecord job = job_from_fields(reply->elements[0].as_map());
  for (std::size_t i = 1; i < reply->elements.size(); ++i) {
    job.blocks.push_back(block_from_fields(i - 1, reply->elements[i].as_map()));
  }
  return job;
}

Result<BlockWork> RedisJobStore::get_block(const std::string& job_id, std::size_t index) {
  auto replies =
      pool_->pipeline({{"HGETALL", keys_.job(job_id)}, {"HGETALL", keys_.block(job_id, index)}});
  if (!replies) return replies.take_error();
  const Fields job = (*replies)[0].as_map(), block = (*replies)[1].as_map();
  if (job.empty() || block.empty()) {
    return Error{ErrorKind::kNotFound, "no block " + std::to_string(index) + " in job " + job_id,
                 ""};
  }
  JobRecord record = job_from_fields(job);
  return BlockWork{block_from_fields(index, block),
                   record.output_format,
                   record.sample_rate,
                   record.bitrate_kbps,
                   record.profile,
                   record.blocks_total,
                   record.status};
}

Result<JobPage> RedisJobStore::list_jobs(const std::string& owner, std::size_t offset,
                                         std::size_t limit) {
  auto reply = pool_->eval(scripts::list_jobs(),
                           {keys_.prefix, owner, bounded(offset), bounded(limit)}, Access::kRead);
  if (!reply) return reply.take_error();
  if (!reply->is_array() || reply->elements.empty()) return malformed("list_jobs");
  JobPage page;
  page.total = static_cast<std::size_t>(reply->elements[0].as_int().value_or(0));
  for (std::size_t i = 1; i < reply->elements.size(); ++i) {
    page.jobs.push_back(job_from_fields(reply->elements[i].as_map()));
  }
  return page;
}

Result<JobRecord> RedisJobStore::cancel_job(const std::string& id) {
  auto reply =
      pool_->eval(scripts::cancel_job(), {keys_.prefix, id, std::to_string(clock_.now_ms())});
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return job_not_found(id);
  return job_from_fields(reply->as_map());
}

Result<std::vector<std::string>> RedisJobStore::delete_job(const std::string& id) {
  auto reply = pool_->eval(scripts::delete_job(), {keys_.prefix, id});
  if (!reply) return reply.take_error();
  if (reply->is_nil()) return job_not_found(id);
  if (!reply->is_array() || reply->elements.size() != 2) return malformed("delete_job");
  if (reply->elements[0].as_int().value_or(0) == 0) {
    const auto status = static_cast<JobStatus>(reply->elements[1].as_int().value_or(0));
    return invalid_input("job_id", "job " + id + " is " + job_status_name(status) +
                                       ": cancel it before deleting it");
  }
  std::vector<std::string> keys;
  for (const Value& key : reply->elements[1].elements) keys.push_back(key.str);
  return keys;
}

Result<std::vector<std::string>> RedisJobStore::finished_jobs_before(int64_t before_ms,
                                                                     std::size_t limit) {
  auto reply = pool_->run({"ZRANGEBYSCORE", keys_.finished_jobs(), "-inf",
                           "(" + std::to_string(before_ms), "LIMIT", "0", bounded(limit)});
  if (!reply) return reply.take_error();
  std::vector<std::string> ids;
  for (const Value& id : reply->elements) ids.push_back(id.str);
  return ids;
}

Result<std::vector<UserUsage>> RedisJobStore::usage(const std::string& owner) {
  auto reply = pool_->eval(scripts::read_usage(), {keys_.prefix, owner}, Access::kRead);
  if (!reply) return reply.take_error();
  std::vector<UserUsage> users;
  const auto& rows = reply->elements;
  for (std::size_t i = 0; i + 2 < rows.size(); i += 3) {
    users.push_back({rows[i].str, rows[i + 1].str, usage_from_fields(rows[i + 2].as_map())});
  }
  std::sort(users.begin(), users.end(), [](const UserUsage& a, const UserUsage& b) {
    return std::tie(a.owner_name, a.owner) < std::tie(b.owner_name, b.owner);
  });
  return users;
}

Result<StoreCounts> RedisJobStore::counts() {
  auto replies = pool_->pipeline({{"HGETALL", keys_.counters()}, {"ZCARD", keys_.delayed()}});
  if (!replies) return replies.take_error();
  StoreCounts counts;
  const Fields counters = (*replies)[0].as_map();
  for (int s = 0; s <= static_cast<int>(JobStatus::kCancelled); ++s) {
    counts.jobs[static_cast<JobStatus>(s)] = static_cast<std::size_t>(
        std::max<int64_t>(0, int_field(counters, "jobs." + std::to_string(s))));
  }
  counts.blocks_done = static_cast<std::size_t>(int_field(counters, "blocks_done"));
  counts.blocks_failed = static_cast<std::size_t>(int_field(counters, "blocks_failed"));
  // tasks.queued counts the tasks in the queues (claimable now); the delayed set holds the ones
  // waiting for a retry.
  counts.queue_depth =
      static_cast<std::size_t>(std::max<int64_t>(0, int_field(counters, "tasks.queued")) +
                               (*replies)[1].as_int().value_or(0));
  return counts;
}

Result<JobEventLog> RedisJobStore::job_events(const std::string& id, int64_t after_seq,
                                              std::size_t limit) {
  auto reply = pool_->eval(
      scripts::read_events(),
      {keys_.prefix, id, std::to_string(std::max<int64_t>(0, after_seq)), bounded(limit)},
      Access::kRead);
  if (!reply) return reply.take_error();
  if (reply->is_nil() || reply->elements.size() < 2) {
    return job_not_found(id);
  }
  JobEventLog log;
  log.owner = reply->elements[0].str;
  log.last_seq = reply->elements[1].as_int().value_or(0);
  int64_t seq = std::max<int64_t>(0, after_seq);
  for (std::size_t i = 2; i < reply->elements.size(); ++i) {
    log.events.push_back(JobEvent{id, log.owner, ++seq, reply->elements[i].str});
  }
  return log;
}

bool RedisJobStore::ping() { return pool_->run({"PING"}).ok(); }

Result<std::string> RedisJobStore::identity() {
  // One round trip (SET NX GET, Redis 7): the value stored before, or nil when this call stored
  // its own. The first SET wins; every later one (any node) reads what it wrote.
  const std::string candidate = new_uuid4();
  auto got = pool_->run({"SET", keys_.prefix + "store_identity", candidate, "NX", "GET"});
  if (!got) return got.take_error();
  if (got->is_nil()) return candidate;
  if (got->str.empty()) return malformed("SET store_identity");
  return got->str;
}

}  // namespace polyvox::redis
