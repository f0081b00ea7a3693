// The JobStore seam: where jobs, their blocks and their results live. Implementations: sqlite
// (embedded mode, jobs/sqlite/) and redis (distributed mode, jobs/redis/). Every method is
// thread-safe. Errors: kNotFound for an unknown job, kUnavailable when the backend cannot be
// reached (the caller may retry), kInternal otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/quota.h"
#include "jobs/job_events.h"
#include "jobs/job_record.h"

namespace polyvox {

struct NewJob {
  std::string id;          // UUID v4 chosen by the caller
  std::string owner;       // the owner's user id (User::id): who may see the job
  JobSpec spec;            // validated
  std::string owner_name;  // the owner's user name when submitted, for display only
  // The API's base URL as the submitter saw it (PUBLIC_BASE_URL, or from the request's Host):
  // the links in the job's webhook body are made under it. Stored with spec.webhook_url only.
  std::string base_url;
  // The owner's quotas (core/quota.h effective_quotas), enforced by create_job.
  QuotaLimits quota;
  // The job this one revises (POST /jobs/{id}/revisions), owned by the same user; '' for an
  // original job. Stored with the job, never changed.
  std::string parent_id;
};

// The record of `job` as create_job stores it at `now_ms`: queued, nothing done, no blocks listed.
JobRecord queued_record(const NewJob& job, int64_t now_ms);

// True when `stored` (read with its blocks) is what create_job stored for `job`: the same id,
// owner, project, parent, output format, sample rate, bitrate, profile, cover and block
// specs, whatever has happened to it since.
bool is_same_submission(const JobRecord& stored, const NewJob& job);

struct JobPage {
  std::vector<JobRecord> jobs;  // newest first, without blocks
  std::size_t total = 0;        // jobs matching the filter
};

// One block with what a worker needs to know of its job.
struct BlockWork {
  BlockRecord block;
  OutputFormat output_format = OutputFormat::kMp3;
  int sample_rate = 0;                                 // the job's, as submitted (0: the default)
  int bitrate_kbps = 0;                                // the job's, as submitted (0: the default)
  DeliveryProfile profile = DeliveryProfile::kServer;  // the job's
  std::size_t blocks_total = 0;
  JobStatus job_status = JobStatus::kQueued;
};

// Usage of one user, per provider, accumulated as blocks complete (kept when jobs are deleted).
struct UserUsage {
  std::string owner;       // user id
  std::string owner_name;  // the name the user's jobs were submitted under
  std::vector<ProviderUsage> providers;
};

struct StoreCounts {
  std::map<JobStatus, std::size_t> jobs;  // jobs by status
  // Blocks done / failed since the store was created: deleting jobs does not lower them, so
  // they can be exported as Prometheus counters.
  std::size_t blocks_done = 0;
  std::size_t blocks_failed = 0;
  std::size_t queue_depth = 0;  // tasks waiting to be claimed (due or delayed)
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores the job (status queued) and its blocks and, in the same atomic step, makes one block
  // task per block claimable: when this returns OK the job is durable and will complete even if
  // the process dies right after. Returns the job as stored, without its blocks.
  // With a spec.webhook_url, the URL and base_url are stored with the job, and whatever step
  // finishes the job (completed, failed, cancelled) writes its webhook delivery in the same
  // atomic step (jobs/webhook_outbox.h).
  // IDEMPOTENT by job id: when the id exists and its job is this same submission
  // (is_same_submission: a repeat after an answer was lost), stores nothing more and returns the
  // stored job as it is now, without its blocks: no second job, no task enqueued twice.
  // Fails with kInvalidInput if the id exists with another submission or the spec has no block
  // (such a job could never finish).
  // QUOTAS: a new job is refused with kQuotaExceeded (quota_exceeded(): the quota named, a
  // Retry-After) when, with it, the owner's unfinished jobs or their blocks not yet done would
  // exceed job.quota's max_queued_jobs or max_queued_blocks, or the characters the owner
  // submitted this UTC day (on the store's clock) would exceed max_chars_per_day. The check and
  // the counting are one atomic step with the insert, so the limits hold across processes
  // sharing the store. A repeat of a stored submission is not checked again.
  virtual Result<JobRecord> create_job(const NewJob& job) = 0;

  // The job, with its blocks when `with_blocks`. kNotFound if unknown. Reflects every change
  // committed through this store before the call.
  virtual Result<JobRecord> get_job(const std::string& id, bool with_blocks) = 0;

  // The job with only what progress needs of each block (GET /status, polled): its index,
  // status, attempts, error, usage and, once done, its result's segment key, sample counts,
  // provider and voice id. The rest (the block's spec, the result's spoken text and timings)
  // is left empty. kNotFound if unknown; as current as get_job(). The default reads the whole
  // job; a store that pays for every byte read (a network round trip) reads less.
  virtual Result<JobRecord> get_job_progress(const std::string& id) { return get_job(id, true); }

  // Block `index` of a job, without reading the job's other blocks. kNotFound if the job or the
  // block does not exist.
  virtual Result<BlockWork> get_block(const std::string& job_id, std::size_t index) = 0;

  // Jobs of the user whose id is `owner` (every job when empty), newest first, `limit` of them
  // after `offset`.
  virtual Result<JobPage> list_jobs(const std::string& owner, std::size_t offset,
                                    std::size_t limit) = 0;

  // Cancels a queued or processing job: status cancelled, its unfinished blocks cancelled, its
  // pending tasks withdrawn (leased ones will be refused when they complete). Returns the job
  // as it is now, without its blocks; a finished job is returned unchanged. kNotFound if
  // unknown.
  virtual Result<JobRecord> cancel_job(const std::string& id) = 0;

  // Deletes a finished job and its blocks, returning every blob key it referenced (segments and
  // result) for the caller to delete. kInvalidInput if the job is not finished; kNotFound if
  // unknown.
  virtual Result<std::vector<std::string>> delete_job(const std::string& id) = 0;

  // Ids of finished jobs last updated before `before_ms`, at most `limit`, oldest first.
  virtual Result<std::vector<std::string>> finished_jobs_before(int64_t before_ms,
                                                                std::size_t limit) = 0;

  // Deletes what the store keeps for each worker process (Redis: its consumers in the task
  // stream's group) of processes gone without stopping (killed, crashed), which would otherwise
  // pile up with every such exit; returns how many. Never touches a live worker's state in a way
  // it would notice. The cleanup leader calls it each pass. A store that keeps nothing per
  // worker (SQLite) has nothing to forget.
  virtual Result<std::size_t> forget_departed_workers() { return std::size_t{0}; }

  // Usage of the user whose id is `owner` (every user when empty), by user name, then id.
  virtual Result<std::vector<UserUsage>> usage(const std::string& owner) = 0;

  // Figures for /metrics, read from counters the store keeps where state changes (in the same
  // atomic step): the cost of a call does not grow with the jobs, blocks or tasks stored, so a
  // scrape scans nothing.
  virtual Result<StoreCounts> counts() = 0;

  // True when the backend answers (for /ready): reads and, where they can fail apart from reads
  // (SQLite on a full disk), writes.
  virtual bool ping() = 0;

  // A name of this store's data: made the first time it is asked for and kept with the data, so
  // that a store emptied or replaced (Redis restarted without its data, another database or key
  // prefix, a new SQLite file) answers with another. The cleanup binds the blob store to it
  // (orphan_sweep.h). Thread-safe.
  virtual Result<std::string> identity() = 0;

  // Job `id`'s event log (jobs/job_events.h): its owner, its latest seq and at most `limit` of
  // its events after `after_seq`, in order (limit 0: none, only the latest seq). kNotFound if
  // the job is unknown.
  virtual Result<JobEventLog> job_events(const std::string& id, int64_t after_seq,
                                         std::size_t limit) = 0;
};

}  // namespace polyvox
