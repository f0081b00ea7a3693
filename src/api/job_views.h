// How a job is shown: the members every job view shares, and the body of GET /status/{id},
// which is also the body of the job's webhook (webhooks/webhook_sender.h) and is written once,
// here.
#pragma once

#include <string>
#include <vector>

#include "api/json_writer.h"
#include "core/usage.h"
#include "jobs/job_record.h"

namespace polyvox {

// Writes into an open object the members every job view shares: job_id, status, progress,
// project_id, owner, owner_id, parent_id (the job it revises, null for
// none), result_url (under `base_url`, null until completed), created_at,
// updated_at.
void write_job_summary(JsonWriter& out, const JobRecord& job, const std::string& base_url);

// Writes into an open object "duration_ms": the final file's length from the job's manifest
// (whole milliseconds),
// or null when the job has none (not completed). Used by the listings (GET /jobs, revisions).
void write_job_duration(JsonWriter& out, const JobRecord& job);

// The body of GET /status/{id}: the summary, the job's error (when it has one), its blocks
// (index, status, error, provider) and what its done blocks cost. REQUIRES: `job` was read with
// its blocks. Thread-safe.
std::string job_status_json(const JobRecord& job, const std::string& base_url);

// What the job's blocks cost so far, per provider: every reported attempt, failed ones
// included.
std::vector<ProviderUsage> job_usage(const JobRecord& job);

}  // namespace polyvox
