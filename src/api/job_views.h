// How jobs are shown: the JSON bodies that several routes and the event streams share.
#pragma once

#include <string>
#include <vector>

#include "api/json_writer.h"
#include "core/usage.h"
#include "jobs/job_record.h"

namespace polyvox {

// "3/10": blocks done of blocks in all.
std::string job_progress(const JobRecord& job);

// The members every job view shares (job_id, status, progress, project_id, owner, owner_id,
// result_url, created_at, updated_at), written into an open object. `base`: the URL prefix of
// links.
void write_job_summary(JsonWriter& out, const JobRecord& job, const std::string& base);

// What the job's done blocks cost, per provider. REQUIRES: the job read with its blocks.
std::vector<ProviderUsage> job_usage(const JobRecord& job);

// The body of GET /status/{id} (also the data of an event stream's snapshot): the summary,
// the job's error if any, each block's index, status, error and provider, and the usage.
// REQUIRES: the job read with its blocks.
std::string job_status_json(const JobRecord& job, const std::string& base);

}  // namespace polyvox
