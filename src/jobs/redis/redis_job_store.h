// The distributed mode's JobStore and TaskQueue on Redis 7: one class, because a block's
// completion changes the job, the block and the queue in one atomic step (one Lua script).
// Any number of API nodes and workers share one Redis node (replicas allowed, not Cluster: the
// scripts compute key names from what they read).
//
// KEYS (P = the prefix, "polyvox:" by default; statuses are the integers of JobStatus and
// BlockStatus; times are milliseconds on the store's Clock)
//   P seq                    STRING  INCR counter: a job's sequence number ("newest first")
//   P job:<id>               HASH    id seq owner (user id) owner_name project_id
//                                    output_format sample_rate bitrate_kbps profile cover_url
//                                    (both absent in jobs stored before them: '') status
//                                    blocks_total blocks_done error assembly_enqueued (0/1, set
//                                    once) assembly_attempt result_key manifest_json result_bytes
//                                    created_at_ms updated_at_ms interactive (0/1; absent in
//                                    jobs stored before it existed) lane (i/b; absent: b)
//                                    quota_counted (1: counted in P quota:<owner>), and with a
//                                    webhook:
//                                    webhook_url webhook_base_url
//   P job:<id>:block:<i>     HASH    text wait_after_ms provider voice arabic fallback_json cache
//                                    speed (absent in blocks stored before it: 1.0) chapter
//                                    (absent before it: '') status attempts
//                                    error reported_attempt (the attempt whose completion or final
//                                    failure was recorded) segment_key speech_samples pause_samples
//                                    result_provider result_voice_id spoken_text (an Arabic
//                                    block's diacritized text) usage_json (every attempt's)
//                                    instructions speaker timing_json (its words' timings)
//   P task:<tid>             HASH    the live task <tid> = "<id>:<i>" (block) or "<id>:a"
//                                    (assembly): state (0 waiting, 1 leased, 2 retrying)
//                                    attempt (fencing token of the latest claim) claims (claims
//                                    not given back: the poison counter) failures (transient
//                                    failures: the retry budget; absent before it: 0) worker
//                                    (the holder)
//                                    entry ("q" while it waits in a queue; a stream entry id for
//                                    a task queued by the version before queues). Deleted when
//                                    its work is recorded or withdrawn.
//   P queue:<lane>:<owner>   LIST    <tid> of the block tasks of one owner claimable now, in the
//                                    order they were queued; lane "i" (interactive: jobs marked
//                                    so or of at most interactive_max_blocks blocks) or "b"
//                                    (batch). An id whose task's entry is not "q" is stale
//                                    (withdrawn) and skipped.
//   P ring:<lane>            LIST    the owners whose queue in the lane is not empty: a claim
//                                    takes the front owner's next task and moves the owner to
//                                    the back (round robin); the interactive ring goes first.
//   P tasks                  STREAM  wake-up notes {w: 1} for workers blocked reading it,
//                                    consumer group "workers", one consumer per worker id; a
//                                    note is XACKed and XDELeted when read. Entries {t: <tid>}
//                                    are tasks queued by the version before queues: read, they
//                                    move their task to its queue (when still its `entry`).
//   P leases                 ZSET    <tid> -> lease expiry. A lease past its expiry is taken
//                                    over by the next claim, with a bumped attempt.
//   P delayed                ZSET    <tid> -> retry time of tasks waiting for a delayed retry;
//                                    claims move the due ones to their queues.
//   P tasks:assembly         LIST    <tid> of assemblies claimable now: claims take these first,
//                                    so a job whose blocks are all done waits for no other job's
//                                    block. An id whose task's entry is not "q" is skipped.
//   P jobs                   ZSET    job id -> seq (every job)
//   P jobs:owner:<owner>     ZSET    job id -> seq (the jobs of one owner, a user id)
//   P jobs:finished          ZSET    job id -> updated_at_ms of finished jobs (for cleanup)
//   P counters               HASH    jobs.<status> (jobs in each status now), blocks_done and
//                                    blocks_failed (cumulative, for /metrics), tasks.queued
//                                    (tasks waiting in the queues now)
//   P usage:<owner>          HASH    "<provider>|<counter>" -> total (calls, characters,
//                                    cache_hits, failures, retries); kept when jobs are deleted
//   P usage:owners           SET     owners (user ids) with usage
//   P usage:names            HASH    owner (user id) -> the name its jobs were submitted under
//   P user:<name>            HASH    id name password_hash admin created_at_ms token_version,
//                                    and the quota overrides max_queued_jobs max_queued_blocks
//                                    max_chars_per_day (-1 unlimited; absent: the deployment's)
//                                    (RedisUserStore)
//   P quota:<owner>          HASH    jobs, blocks: the owner's unfinished jobs and their blocks
//                                    not done, counted for jobs whose hash has quota_counted = 1
//   P chars:<owner>:<day>    STRING  characters the owner submitted on UTC day <day> while a
//                                    max_chars_per_day applied; expires after two days
//   P users                  ZSET    user names, score 0 (by name)
//   P user_ids               HASH    user id -> name, of the users that exist
//   P owners_migrated        STRING  set once data of before user ids is migrated
//                                    (migrate_owners.lua)
//   P throttle:<p|a|u>:...   HASH    failures first_failure_ms locked_until_ms, expiring by
//                                    itself (RedisLoginThrottle)
//   P leader:<name>          STRING  holder id, PX ttl (LeaderLease)
//   P webhook:<wid>          HASH    a webhook delivery waiting to be sent, <wid> = "msg_<job
//                                    id>": id job_id owner url base_url created_at_ms attempts
//                                    lease (fencing token of the latest claim) body last_error.
//                                    Written by the script that finishes the job (prelude's
//                                    set_job_status); deleted once delivered or given up
//                                    (RedisWebhookOutbox)
//   P webhooks:due           ZSET    <wid> -> when it may be sent, or when its lease expires
//   P webhook_secrets        HASH    user id -> the user's webhook secret (whsec_...)
//   P api_key:<kid>          HASH    an API key (RedisApiKeyStore): id user_id name prefix hash
//                                    (SHA-256 of the key's text; the text is never stored)
//                                    created_at_ms expires_at_ms last_used_at_ms (0: never)
//   P api_key_hashes         HASH    key hash -> <kid>
//   P api_keys:<user id>     ZSET    <kid> -> created_at_ms: a user's keys, oldest first. A key
//                                    and its entries go with revoke_api_key or remove_user.
//   P session:<hash>         STRING  a studio session (RedisSessionStore): "<user id> <token
//                                    version> <created_at_ms> <expires_at_ms>", expiring with it
//   P store_identity         STRING  a UUID made by the first identity() call (SET NX): the
//                                    name of this data, which the cleanup binds the blob store
//                                    to (orphan_sweep.h). Like every key here it must not be
//                                    evicted: Redis runs with maxmemory-policy noeviction
//
// SCRIPTS (lua/<name>.lua, each opening with its ARGV, result and contract; listed in
// redis_scripts.h; each one atomic, loaded with SCRIPT LOAD, run with EVALSHA)
//   create_job         job, blocks, one task and stream entry per block, indexes, counters
//   read_job           a job and (optionally) its blocks, one consistent snapshot
//   list_jobs          a page of the newest jobs (of one owner) and the total
//   cancel_job         withdraws the work (tasks, entries, leases, retries) and cancels
//   delete_job         deletes a finished job, returning its blob keys
//   read_usage         usage of one owner or of every owner
//   claim              promotes due retries, then takes: the entry this worker was delivered,
//                      an enqueued assembly, an expired lease, an orphaned hand-off
//                      (XAUTOCLAIM), a new entry (XREADGROUP >); poison limit; returns the
//                      task or the next due time
//   heartbeat          extends the lease of the attempt that holds it
//   complete_block     fenced completion: block done once, blocks_done + 1, usage once,
//                      exactly one assembly enqueued by the last block
//   fail_task          fenced failure: a delayed retry (ZSET) or the block and job failed;
//                      the failed attempt's usage once
//   complete_assembly  fenced: the job completed with its result
//   release            gives a lease back (claim not counted, attempt kept)
//   forget_consumers   deletes a stopping store's stream consumers that hold no entry
//   forget_departed_consumers  deletes consumers idle past departed_consumer_ms that hold no
//                      entry (processes killed without stopping; run by the cleanup leader)
//   add_user, set_password_hash, remove_user, list_users, find_user_by_id,
//   migrate_owners, record_login_failure,
//   acquire_leadership, release_leadership  (redis_user_store.h, redis_login_throttle.h,
//                      leader_lease.h)
//   claim_webhooks, record_webhook, webhook_secret  (redis_webhook_outbox.h, redis_user_store.h)
//   add_api_key, find_api_key, list_api_keys, revoke_api_key, record_api_key_use
//                      (redis_api_key_store.h)
//
// LEASES AND FENCING. A claim bumps the task's attempt (the fencing token) and leases it until
// now + lease_ms on the store's Clock (P leases). Every report is one script that first checks
// that the reporting (attempt, worker) still holds the lease, so a stalled worker's late result
// is refused once its lease was taken over. Leases live in a ZSET on the Clock rather than in the
// stream's pending list (XAUTOCLAIM past an idle time) because: a lease's length is the holder's
// (claim and heartbeat take lease_ms) while XAUTOCLAIM's idle time is the thief's; Redis idle
// times are Redis's real time, which tests on a ManualClock cannot move; and fencing makes the
// two equally safe. XAUTOCLAIM does recover what the pending list is for here: an entry delivered
// by a blocking XREADGROUP to a worker that died before its claim script leased it (idle for
// handoff_timeout_ms of Redis time). Clocks of different machines are compared (a lease set by
// one node expires on another's clock): skew shortens or lengthens leases by the skew; fencing
// keeps it safe, NTP keeps it small.
//
// WAITING. claim() runs the claim script; when nothing is due it blocks in XREADGROUP (BLOCK) on
// the stream for at most the time until the next known due time (a delayed retry or a lease
// expiry), max_block_ms (so that retries and leases set by other nodes meanwhile are noticed)
// and what is left of wait_ms; an entry delivered meanwhile is taken by the next claim script.
// interrupt() aborts the blocked reads (shutdown(2) on their sockets). No busy loop: an idle
// worker costs two round trips per max_block_ms.
//
// REDIS UNAVAILABLE. Every method fails with kUnavailable within the pool's connect/command
// timeouts (at once while another call is reconnecting): the API answers 503 with Retry-After,
// workers retry. Nothing is lost while Redis is down or restarts with its AOF: leases on the
// Clock keep running, so tasks of workers that could not report are taken over and rendered
// again. Once Redis is back no call fails for its restart (redis_pool.h): dead pooled connections
// are replaced when taken; reads (plain read commands; read_job, list_jobs, read_usage as
// Access::kRead) are sent again when their connection dies under them, and so is create_job,
// idempotent by job id; any other write whose answer was lost fails with kUnavailable.
//
// WHAT `appendfsync everysec` CAN LOSE when Redis itself crashes (kill -9, power loss; a clean
// restart loses nothing): up to about a second (two when the disk stalls) of acknowledged
// writes. A script is written to the AOF as one MULTI/EXEC, and a torn tail is cut back to the
// last complete transaction at load, so every step is lost or kept whole. Per kind of write:
//   - create_job (the client had its 202): the whole job is gone; /status answers 404. The only
//     loss a client can see. `appendfsync always` (an fsync per write batch) avoids it.
//   - a claim: the task is back to its previous state (waiting, or leased by the previous
//     attempt, whose lease expires): it is claimed again. The attempt number rewinds, so one
//     attempt number may be handed out twice, to two workers; the worker id is part of the
//     fence, so only the current holder's report is accepted. Workers name a block's segment
//     after its attempt and their worker id (worker/blob_keys.h), so the stale holder
//     neither overwrites nor, once refused, deletes the segment of the current one.
//   - complete_block: the block is leased again to the attempt that rendered it; its lease
//     expires and another worker renders it again (the lost segment is left in blob storage).
//     The completion and its usage were in one script: usage is not counted twice.
//   - the last completion and its assembly task: lost together, redone together.
//   - complete_assembly: the job is processing again until its assembly, taken over after the
//     lease, completes it again (same result key). A client may have seen "completed" first.
//   - fail_task: a retry or failure is lost; the lease expires and the block is tried again.
//   - cancel_job / delete_job: the job comes back (a deleted one without its blobs); cleanup
//     deletes it again.
//   - users, password changes: lost; throttle counters: forgotten (harmless).
// Every job acknowledged before the lost second finishes (but for the segment-name case above);
// no block is counted twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "jobs/job_store.h"
#include "jobs/redis/redis_keys.h"
#include "jobs/redis/redis_pool.h"
#include "jobs/task_queue.h"

namespace polyvox::redis {

struct JobStoreOptions {
  // Time of leases, due times and job timestamps. Not owned; must outlive the store.
  // nullptr: the system clock.
  const Clock* clock = nullptr;

  // Prefix of every key (REDIS_KEY_PREFIX): several deployments or tests can share one Redis.
  std::string key_prefix = "polyvox:";

  // As sqlite::JobStoreOptions::max_claims: a task is handed out at most this many times
  // (releases not counted); the claim that would exceed it fails the block and the job.
  int max_claims = 10;

  // A stream entry delivered by a blocking read to a worker that did not lease it within this
  // long (Redis time) is taken by another claim (its reader died in between).
  int64_t handoff_timeout_ms = 10'000;

  // The longest one blocking read of claim() lasts: bounds how late a waiting claim notices a
  // retry or lease expiry that another node scheduled while it waited.
  int64_t max_block_ms = 1'000;

  // A consumer of the task stream's group (one per worker slot) that holds no entry and has not
  // read for this long (Redis time) belongs to a process that went away without stopping: the
  // cleanup leader deletes it (forget_departed_workers). Far above max_block_ms: a live idle
  // worker reads every max_block_ms, and a busy one recreates its consumer when it next reads.
  int64_t departed_consumer_ms = 600'000;

  // INTERACTIVE_MAX_BLOCKS: jobs of at most this many blocks are claimed in the interactive
  // lane, as are jobs marked interactive (core/job.h claims_interactively).
  std::size_t interactive_max_blocks = 3;
};

class RedisJobStore final : public JobStore, public TaskQueue {
 public:
  // A store on `pool`. Touches no network: works on a Redis that comes up later.
  RedisJobStore(std::shared_ptr<Pool> pool, JobStoreOptions options);

  // Deletes, best effort, the stream consumers this store's claims created that hold no entry.
  // REQUIRES: no call in progress (a claim() waiting included: interrupt() and join first).
  ~RedisJobStore() override;

  // JobStore (contracts in jobs/job_store.h).
  Result<JobRecord> create_job(const NewJob& job) override;
  Result<JobRecord> get_job(const std::string& id, bool with_blocks) override;
  Result<JobRecord> get_job_progress(const std::string& id) override;
  Result<JobEventLog> job_events(const std::string& id, int64_t after_seq,
                                 std::size_t limit) override;
  Result<BlockWork> get_block(const std::string& job_id, std::size_t index) override;
  Result<JobPage> list_jobs(const std::string& owner, std::size_t offset,
                            std::size_t limit) override;
  Result<JobRecord> cancel_job(const std::string& id) override;
  Result<std::vector<std::string>> delete_job(const std::string& id) override;
  Result<std::vector<std::string>> finished_jobs_before(int64_t before_ms,
                                                        std::size_t limit) override;
  Result<std::vector<UserUsage>> usage(const std::string& owner) override;
  Result<StoreCounts> counts() override;
  bool ping() override;
  Result<std::string> identity() override;

  // TaskQueue (contracts in jobs/task_queue.h). Reports are fenced by attempt and worker id.
  Result<std::optional<Task>> claim(const std::string& worker_id, int64_t lease_ms,
                                    int64_t wait_ms) override;
  Result<bool> heartbeat(const Task& task, int64_t lease_ms) override;
  Result<BlockCompletion> complete_block(const Task& task, const BlockResult& result) override;
  Result<ReportOutcome> fail_task(const Task& task, const std::string& error,
                                  std::optional<int64_t> retry_at_ms,
                                  const std::vector<ProviderUsage>& usage) override;
  Result<ReportOutcome> complete_assembly(const Task& task,
                                          const AssemblyOutcome& outcome) override;
  Status release(const Task& task) override;
  Result<std::size_t> forget_departed_workers() override;
  void interrupt() override;

  // How many claim() calls are blocked waiting for a task now (idle workers; tests wait for it).
  std::size_t waiting_claims() const;

 private:
  // The job and, by `blocks` (read_job.lua's ARGV[3]: "none", "all" or "progress"), its blocks.
  Result<JobRecord> read_job(const std::string& id, const char* blocks);

  // Interactive tasks this store claimed in a row (kInteractiveStreak).
  std::atomic<int> interactive_streak_{0};
  struct ClaimStep {
    std::optional<Task> task;
    int64_t next_due_ms = -1;  // when nothing was claimed: -1 unknown/never
  };
  // One run of the claim script, `entry` being a stream entry delivered to `worker_id` or "".
  Result<ClaimStep> claim_step(const std::string& worker_id, int64_t lease_ms,
                               const std::string& entry);
  // Blocks in XREADGROUP up to `block_ms`: the id of an entry delivered to `worker_id`, "" when
  // none came, nullopt when interrupted (interrupt() since `interrupts_seen`).
  Result<std::optional<std::string>> wait_for_entry(const std::string& worker_id, int64_t block_ms,
                                                    uint64_t interrupts_seen);
  // Creates the stream and its consumer group if missing (Redis started empty or lost them).
  Status ensure_group();
  // ARGV of a report: prefix, now, task id, attempt, worker.
  std::vector<std::string> report_args(const Task& task) const;

  const SystemClock system_clock_;
  const Clock& clock_;
  const JobStoreOptions options_;
  const Keys keys_;
  std::shared_ptr<Pool> pool_;
  std::atomic<bool> group_ready_{false};

  mutable std::mutex blocked_mutex_;
  std::set<Connection*> blocked_;    // connections in a blocking read; guarded by blocked_mutex_
  uint64_t interrupts_ = 0;          // guarded by blocked_mutex_
  std::set<std::string> consumers_;  // worker ids claims used; guarded by blocked_mutex_
};

}  // namespace polyvox::redis
