// Orphaned blobs: audio stored under a job's directory that no row points at and no attempt
// still running can record, because a worker died (or lost its lease) between storing a segment
// or final file and recording it, or a job was deleted while one of its attempts was storing.
// Part of the scheduled cleanup (cleanup.h), only for blobs older than TEMP_RETENTION_SECONDS:
// an upload in flight is younger than that.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "jobs/job_store.h"
#include "storage/blob_store.h"

namespace polyvox {

// Which of `keys` (blobs under job `job_id`'s directory, old enough) may be deleted, given the
// job as stored now with its blocks (nullopt: there is no such job). A finished job keeps only
// what its rows point at. An unfinished one also keeps what a live attempt may still record:
// everything but the segments of attempts a newer claim superseded and of blocks already done
// with another segment.
std::vector<std::string> orphaned_keys(const std::string& job_id,
                                       const std::optional<JobRecord>& job,
                                       const std::vector<std::string>& keys);

class OrphanSweep {
 public:
  // REQUIRES: `jobs` and `blobs` outlive the sweep.
  OrphanSweep(JobStore& jobs, BlobStore& blobs) : jobs_(jobs), blobs_(blobs) {}

  struct Outcome {
    std::size_t deleted = 0;         // orphans removed
    std::size_t jobs_looked_up = 0;  // jobs read from the store
  };

  // The blob recording which job store the blobs belong to (JobStore::identity()), written by
  // the first sweep that finds none.
  static constexpr const char* kIdentityKey = "meta/job-store-identity.txt";

  // Lists every job's blobs and removes the orphans last written before `before_ms`. A job is
  // read from the store only when it has such old blobs, and a finished job found with no
  // orphan and nothing younger is not read again while its listing stays the same. Stops early
  // (and OK) when `keep_going` returns false. Errors: the listing's (a store that cannot list
  // returns kInternal); a job that cannot be read is skipped until the next pass.
  // The blobs of jobs the store does not know are deleted only while the blob store is bound to
  // this job store (kIdentityKey holds its identity, or held nothing and now does): a store
  // emptied or replaced (Redis restarted without its data, a wrong database or prefix in
  // REDIS_URL) knows no job, and would otherwise have every file deleted; the store's identity is
  // asked again before each unknown job's files go (it may change during a pass). Unbound, the
  // pass keeps them and says so in the log (error), with what to do if the change was meant.
  // Thread-compatible.
  Result<Outcome> run(int64_t before_ms, const std::function<bool()>& keep_going);

 private:
  // What a settled job's listing was: its number of blobs and the latest write among them.
  struct Listing {
    std::size_t blobs = 0;
    int64_t newest_ms = 0;
    bool operator==(const Listing&) const = default;
  };
  // Decides the blobs of one job directory; updates `settled` and `outcome`.
  void sweep_job(const std::string& job_id, const std::vector<BlobListing>& blobs,
                 int64_t before_ms, std::unordered_map<std::string, Listing>& settled,
                 Outcome& outcome);

  // Whether the blob store belongs to the job store (see run()); logs when it does not.
  bool bound_to_store();
  // bound_ and the store's identity still the one bound (asked again: a pass may be long).
  bool still_bound();

  JobStore& jobs_;
  BlobStore& blobs_;
  bool bound_ = false;                                // this pass's answer of bound_to_store()
  std::string marker_;                                // the identity bound to, when bound_
  bool unbound_logged_ = false;                       // the refusal is logged once per process
  std::unordered_map<std::string, Listing> settled_;  // finished jobs without orphans, by id
};

}  // namespace polyvox
