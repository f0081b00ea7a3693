// The TaskQueue half of RedisJobStore: claims (the claim script, then a blocking XREADGROUP
// while nothing is due) and fenced reports, each one script.
#include <algorithm>
#include <chrono>

#include "jobs/redis/redis_job_store.h"
#include "jobs/redis/redis_records.h"
#include "jobs/redis/redis_scripts.h"

namespace polyvox::redis {
namespace {

using Steady = std::chrono::steady_clock;

// The longest a claim() waits, whatever it is asked (keeps the deadline arithmetic finite).
constexpr int64_t kMaxWaitMs = int64_t{24} * 3600 * 1000;

Error malformed(const char* what) {
  return Error{ErrorKind::kInternal, std::string("unexpected Redis reply to ") + what, ""};
}

ReportOutcome outcome_of(const Value& reply) {
  switch (reply.as_int().value_or(scripts::kScriptRefused)) {
    case scripts::kScriptAccepted:
      return ReportOutcome::kAccepted;
    case scripts::kScriptDuplicate:
      return ReportOutcome::kDuplicate;
    default:
      return ReportOutcome::kRefused;
  }
}

// NOGROUP: the stream or its group is gone (Redis started empty, or lost them in a crash).
bool lacks_group(const Error& error) { return error.message.find("NOGROUP") != std::string::npos; }

}  // namespace

std::vector<std::string> RedisJobStore::report_args(const Task& task) const {
  return {keys_.prefix, std::to_string(clock_.now_ms()), task_id(task),
          std::to_string(task.attempt), task.worker_id};
}

Status RedisJobStore::ensure_group() {
  if (group_ready_) return Status::success();
  // From id 0: entries added before the group existed are delivered too.
  auto created = pool_->run({"XGROUP", "CREATE", keys_.tasks(), Keys::kGroup, "0", "MKSTREAM"});
  if (!created && !is_reply_error(created.error(), "BUSYGROUP")) return created.error();
  group_ready_ = true;
  return Status::success();
}

Result<RedisJobStore::ClaimStep> RedisJobStore::claim_step(const std::string& worker_id,
                                                           int64_t lease_ms,
                                                           const std::string& entry) {
  for (int tries = 0;; ++tries) {
    if (Status s = ensure_group(); !s) return s.error();
    auto reply = pool_->eval(
        scripts::claim(),
        {keys_.prefix, std::to_string(clock_.now_ms()), worker_id, std::to_string(lease_ms),
         std::to_string(options_.max_claims), entry, std::to_string(options_.handoff_timeout_ms),
         interactive_streak_.load() >= kInteractiveStreak ? "b" : ""});
    if (!reply) {
      if (tries == 0 && lacks_group(reply.error())) {
        group_ready_ = false;
        continue;
      }
      return reply.take_error();
    }
    const auto& e = reply->elements;
    if (!reply->is_array() || e.size() < 2) return malformed("claim");
    ClaimStep step;
    if (e[0].as_int() != 1) {
      step.next_due_ms = e[1].as_int().value_or(-1);
      return step;
    }
    if (e.size() != 7) return malformed("claim");
    if (e[6].str == "i") {
      ++interactive_streak_;
    } else if (e[6].str == "b") {
      interactive_streak_ = 0;
    }
    Task task;
    task.kind = e[1].as_int() == 1 ? TaskKind::kAssemble : TaskKind::kBlock;
    task.job_id = e[2].str;
    task.block_index = static_cast<std::size_t>(e[3].as_int().value_or(0));
    task.attempt = e[4].as_int().value_or(0);
    task.failures = static_cast<int>(e[5].as_int().value_or(0));
    task.worker_id = worker_id;
    step.task = std::move(task);
    return step;
  }
}

Result<std::optional<std::string>> RedisJobStore::wait_for_entry(const std::string& worker_id,
                                                                 int64_t block_ms,
                                                                 uint64_t interrupts_seen) {
  auto handle = pool_->acquire();
  if (!handle) return handle.take_error();
  Connection* connection = &**handle;
  {
    std::lock_guard lock(blocked_mutex_);
    if (interrupts_ != interrupts_seen) return std::optional<std::string>();
    blocked_.insert(connection);
  }
  pool_->count_round_trip();
  auto reply = connection->run({"XREADGROUP", "GROUP", Keys::kGroup, worker_id, "COUNT", "1",
                                "BLOCK", std::to_string(block_ms), "STREAMS", keys_.tasks(), ">"},
                               block_ms);
  {
    std::lock_guard lock(blocked_mutex_);
    blocked_.erase(connection);
    if (interrupts_ != interrupts_seen) return std::optional<std::string>();
  }
  if (!reply) return reply.take_error();
  auto checked_reply = checked(std::move(reply.value()));
  if (!checked_reply) {
    if (lacks_group(checked_reply.error())) group_ready_ = false;
    return checked_reply.take_error();
  }
  // [[stream, [[id, [field, value]]]]], or nil when nothing came.
  const Value& streams = *checked_reply;
  if (streams.is_nil() || streams.elements.empty() || streams.elements[0].elements.size() < 2 ||
      streams.elements[0].elements[1].elements.empty()) {
    return std::optional<std::string>(std::string());
  }
  const Value& entry = streams.elements[0].elements[1].elements[0];
  if (entry.elements.empty()) return malformed("XREADGROUP");  // not [id, fields]
  return std::optional<std::string>(entry.elements[0].str);
}

Result<std::optional<Task>> RedisJobStore::claim(const std::string& worker_id, int64_t lease_ms,
                                                 int64_t wait_ms) {
  uint64_t interrupts_seen;
  {
    std::lock_guard lock(blocked_mutex_);
    interrupts_seen = interrupts_;
    consumers_.insert(worker_id);
  }
  const auto deadline =
      Steady::now() + std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 0, kMaxWaitMs));
  std::string delivered;  // an entry the last blocking read was given, to be taken first
  for (;;) {
    auto step = claim_step(worker_id, lease_ms, delivered);
    if (!step) return step.take_error();
    if (step->task) return std::move(step->task);
    const auto now = Steady::now();
    if (now >= deadline) return std::optional<Task>();
    int64_t block_ms =
        std::min<int64_t>(options_.max_block_ms,
                          std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    if (step->next_due_ms >= 0) {
      block_ms = std::min(block_ms, step->next_due_ms - clock_.now_ms());
    }
    if (block_ms <= 0) {  // something is due already: look again
      delivered.clear();
      continue;
    }
    auto entry = wait_for_entry(worker_id, block_ms, interrupts_seen);
    if (!entry) return entry.take_error();
    if (!*entry) return std::optional<Task>();  // interrupted
    delivered = std::move(**entry);
  }
}

Result<bool> RedisJobStore::heartbeat(const Task& task, int64_t lease_ms) {
  auto args = report_args(task);
  args.push_back(std::to_string(lease_ms));
  auto reply = pool_->eval(scripts::heartbeat(), args);
  if (!reply) return reply.take_error();
  return reply->as_int() == 1;
}

Result<BlockCompletion> RedisJobStore::complete_block(const Task& task, const BlockResult& result) {
  if (task.kind != TaskKind::kBlock) {
    return Error{ErrorKind::kInternal, "complete_block given an assembly task", ""};
  }
  auto args = report_args(task);
  for (std::string value : {result.segment_key, std::to_string(result.speech_samples),
                            std::to_string(result.pause_samples), result.provider, result.voice_id,
                            result.spoken_text}) {
    args.push_back(std::move(value));
  }
  append_usage_args(result.usage, args);
  args.push_back(result.timing_json);
  // Sent again when the connection closed during it: a second run of this attempt's report
  // answers DUPLICATE.
  auto reply = pool_->eval(scripts::complete_block(), args, Access::kIdempotent);
  if (!reply) return reply.take_error();
  if (!reply->is_array() || reply->elements.size() != 2) return malformed("complete_block");
  BlockCompletion completion;
  completion.outcome = outcome_of(reply->elements[0]);
  completion.assembly_enqueued = reply->elements[1].as_int() == 1;
  return completion;
}

Result<ReportOutcome> RedisJobStore::fail_task(const Task& task, const std::string& error,
                                               std::optional<int64_t> retry_at_ms,
                                               const std::vector<ProviderUsage>& usage) {
  auto args = report_args(task);
  args.push_back(error);
  args.push_back(retry_at_ms ? std::to_string(*retry_at_ms) : std::string());
  append_usage_args(task.kind == TaskKind::kBlock ? usage : std::vector<ProviderUsage>{}, args);
  auto reply = pool_->eval(scripts::fail_task(), args, Access::kIdempotent);  // as complete_block
  if (!reply) return reply.take_error();
  return outcome_of(*reply);
}

Result<ReportOutcome> RedisJobStore::complete_assembly(const Task& task,
                                                       const AssemblyOutcome& outcome) {
  if (task.kind != TaskKind::kAssemble) {
    return Error{ErrorKind::kInternal, "complete_assembly given a block task", ""};
  }
  auto args = report_args(task);
  args.push_back(outcome.result_key);
  args.push_back(outcome.manifest_json);
  args.push_back(std::to_string(outcome.bytes));
  auto reply =
      pool_->eval(scripts::complete_assembly(), args, Access::kIdempotent);  // as complete_block
  if (!reply) return reply.take_error();
  return outcome_of(*reply);
}

Status RedisJobStore::release(const Task& task) {
  auto reply = pool_->eval(scripts::release(), {keys_.prefix, task_id(task),
                                                std::to_string(task.attempt), task.worker_id});
  if (!reply) return reply.take_error();
  return Status::success();
}

Result<std::size_t> RedisJobStore::forget_departed_workers() {
  auto reply = pool_->eval(scripts::forget_departed_consumers(),
                           {keys_.prefix, std::to_string(options_.departed_consumer_ms)});
  if (!reply) return reply.take_error();
  return static_cast<std::size_t>(std::max<int64_t>(0, reply->as_int().value_or(0)));
}

RedisJobStore::~RedisJobStore() {
  if (consumers_.empty()) return;
  std::vector<std::string> args{keys_.prefix};
  args.insert(args.end(), consumers_.begin(), consumers_.end());
  (void)pool_->eval(scripts::forget_consumers(), args);
}

void RedisJobStore::interrupt() {
  std::lock_guard lock(blocked_mutex_);
  ++interrupts_;
  for (Connection* connection : blocked_) connection->abort();
}

std::size_t RedisJobStore::waiting_claims() const {
  std::lock_guard lock(blocked_mutex_);
  return blocked_.size();
}

}  // namespace polyvox::redis
