#include "worker/orphan_sweep.h"

#include <algorithm>
#include <unordered_set>

#include "core/utf8.h"
#include "jobs/peaks_key.h"
#include "log/log.h"
#include "worker/blob_keys.h"

namespace polyvox {

std::vector<std::string> orphaned_keys(const std::string& job_id,
                                       const std::optional<JobRecord>& job,
                                       const std::vector<std::string>& keys) {
  if (!job) return keys;  // deleted: nothing can record anything for it any more
  std::unordered_set<std::string> referenced;
  for (const BlockRecord& block : job->blocks) {
    if (block.result) referenced.insert(block.result->segment_key);
  }
  if (job->result) {
    referenced.insert(job->result->result_key);
    referenced.insert(peaks_key(job->result->result_key));  // derived from it, kept with it
  }
  const bool finished = is_finished(job->status);
  std::vector<std::string> orphans;
  for (const std::string& key : keys) {
    if (referenced.count(key)) continue;
    if (finished) {  // every report of its attempts is refused now
      orphans.push_back(key);
      continue;
    }
    // Its holder may still record a segment (or final file) of the attempt that holds the lease;
    // one of an attempt a newer claim superseded, or of a block done with another, is refused.
    const auto segment = parse_segment_key(job_id, key);
    if (!segment || segment->block_index >= job->blocks.size()) continue;
    const BlockRecord& block = job->blocks[segment->block_index];
    if (block.status == BlockStatus::kDone || segment->attempt < block.attempts) {
      orphans.push_back(key);
    }
  }
  return orphans;
}

bool OrphanSweep::bound_to_store() {
  auto identity = jobs_.identity();
  if (!identity) {
    log::warn("cleanup cannot read the job store's identity; blobs of unknown jobs are kept",
              {{"error", identity.error().message}});
    return false;
  }
  auto stored = blobs_.get(kIdentityKey);
  if (!stored && stored.error().kind == ErrorKind::kNotFound) {
    Status written = blobs_.put(kIdentityKey, *identity);
    if (!written) {
      log::warn("cleanup cannot record the job store's identity; blobs of unknown jobs are kept",
                {{"error", written.error().message}});
      return false;
    }
    marker_ = *identity;
    return true;
  }
  if (!stored) {
    log::warn(
        "cleanup cannot read the blob store's job store identity; blobs of unknown jobs "
        "are kept",
        {{"error", stored.error().message}});
    return false;
  }
  if (*stored == *identity) {
    marker_ = *stored;
    return true;
  }
  if (!unbound_logged_) {
    unbound_logged_ = true;
    log::error(
        "the blob store belongs to another job store: cleanup keeps the files of every "
        "job this store does not know (if the job store was emptied or replaced on "
        "purpose, remove the blob " +
            std::string(kIdentityKey) + " and cleanup will adopt this one)",
        {{"blob_store_identity", std::string(cut_utf8(to_valid_utf8(*stored), 100))},
         {"job_store_identity", *identity}});
  }
  return false;
}

bool OrphanSweep::still_bound() {
  if (!bound_) return false;
  // Asked again at each unknown job (rare but for crashes): a store emptied during a long pass
  // (Redis restarted without its data) has a new identity from then on.
  auto identity = jobs_.identity();
  if (identity && *identity == marker_) return true;
  bound_ = false;
  log::error(
      "the job store's identity changed during cleanup: the files of jobs it does not "
      "know are kept",
      {{"error", identity ? std::string("another identity") : identity.error().message}});
  return false;
}

Result<OrphanSweep::Outcome> OrphanSweep::run(int64_t before_ms,
                                              const std::function<bool()>& keep_going) {
  Outcome outcome;
  bound_ = bound_to_store();
  std::unordered_map<std::string, Listing> settled;
  std::string current;
  std::vector<BlobListing> group;
  bool stopped = false;
  const auto sweep_group = [&] {
    if (!current.empty()) sweep_job(current, group, before_ms, settled, outcome);
    group.clear();
  };
  Status listed = blobs_.list(kJobBlobsPrefix, [&](const BlobListing& blob) {
    const std::string job_id = job_of_blob_key(blob.key);
    if (job_id.empty()) return true;
    if (job_id != current) {
      sweep_group();
      if (!keep_going()) {
        stopped = true;
        return false;
      }
      current = job_id;
    }
    group.push_back(blob);
    return true;
  });
  if (!listed) return listed.error();
  if (!stopped) {
    sweep_group();
  } else {
    settled.insert(settled_.begin(), settled_.end());  // jobs not reached: as they were
  }
  settled_ = std::move(settled);
  return outcome;
}

void OrphanSweep::sweep_job(const std::string& job_id, const std::vector<BlobListing>& blobs,
                            int64_t before_ms, std::unordered_map<std::string, Listing>& settled,
                            Outcome& outcome) {
  const auto listing_of = [](const std::vector<const BlobListing*>& kept) {
    Listing listing{kept.size(), 0};
    for (const BlobListing* b : kept)
      listing.newest_ms = std::max(listing.newest_ms, b->modified_ms);
    return listing;
  };
  std::vector<const BlobListing*> all;
  std::vector<std::string> old;
  for (const BlobListing& blob : blobs) {
    all.push_back(&blob);
    if (blob.modified_ms < before_ms) old.push_back(blob.key);
  }
  if (auto it = settled_.find(job_id); it != settled_.end() && it->second == listing_of(all)) {
    settled.emplace(job_id, it->second);
    return;
  }
  if (old.empty()) return;
  ++outcome.jobs_looked_up;
  auto job = jobs_.get_job(job_id, true);
  if (!job && job.error().kind != ErrorKind::kNotFound) {
    log::warn("cleanup cannot read a job; its blobs wait for the next pass",
              {{"job_id", job_id}, {"error", job.error().message}});
    return;
  }
  std::optional<JobRecord> record;
  if (job) record = std::move(*job);
  if (!record && !still_bound()) return;  // unknown to a store the blobs may not belong to
  const std::vector<std::string> orphans = orphaned_keys(job_id, record, old);
  std::unordered_set<std::string> removed;
  for (const std::string& key : orphans) {
    if (Status s = blobs_.remove(key); s) {
      removed.insert(key);
      ++outcome.deleted;
    } else {
      log::warn("cleanup cannot remove an orphaned blob",
                {{"key", key}, {"error", s.error().message}});
    }
  }
  // Settled: finished, every blob old enough to have been judged, every orphan gone.
  if (record && is_finished(record->status) && old.size() == blobs.size() &&
      removed.size() == orphans.size()) {
    std::vector<const BlobListing*> kept;
    for (const BlobListing* b : all) {
      if (!removed.count(b->key)) kept.push_back(b);
    }
    settled.emplace(job_id, listing_of(kept));
  }
}

}  // namespace polyvox
