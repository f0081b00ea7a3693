#include "api/job_views.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/handler_support.h"

namespace polyvox {

void write_job_summary(JsonWriter& out, const JobRecord& job, const std::string& base_url) {
  out.member("job_id", job.id)
      .member("status", job_status_name(job.status))
      .member("progress", std::to_string(job.blocks_done) + "/" + std::to_string(job.blocks_total))
      .member("project_id", job.project_id)
      .member("owner", job.owner_name)
      .member("owner_id", job.owner);
  out.key("parent_id");
  if (job.parent_id.empty()) {
    out.null();
  } else {
    out.value(job.parent_id);
  }
  out.key("result_url");
  if (job.status == JobStatus::kCompleted) {
    out.value(base_url + "/result/" + job.id + "/audio");
  } else {
    out.null();
  }
  out.member("created_at", iso8601(job.created_at_ms))
      .member("updated_at", iso8601(job.updated_at_ms));
}

void write_job_duration(JsonWriter& out, const JobRecord& job) {
  out.key("duration_ms");
  if (!job.result) {
    out.null();
    return;
  }
  const auto manifest = nlohmann::json::parse(job.result->manifest_json, nullptr, false);
  const auto duration = manifest.is_object() ? manifest.find("duration_ms") : manifest.end();
  if (duration != manifest.end() && duration->is_number() && duration->get<double>() >= 0 &&
      duration->get<double>() < 1e15) {
    out.value(static_cast<int64_t>(std::llround(duration->get<double>())));
  } else {
    out.null();
  }
}

std::string job_status_json(const JobRecord& job, const std::string& base_url) {
  JsonWriter out;
  out.begin_object();
  write_job_summary(out, job, base_url);
  if (!job.error.empty()) out.member("error", job.error);
  out.key("blocks").begin_array();
  for (const auto& b : job.blocks) {
    out.begin_object()
        .member("index", static_cast<int64_t>(b.index))
        .member("status", block_status_name(b.status));
    out.key("error");
    if (b.error.empty()) {
      out.null();
    } else {
      out.value(b.error);
    }
    if (b.result) out.member("provider", b.result->provider);
    out.end_object();
  }
  out.end_array();
  out.key("usage").raw(usage_to_json(job_usage(job)));
  out.end_object();
  return out.take();
}

std::vector<ProviderUsage> job_usage(const JobRecord& job) {
  std::vector<ProviderUsage> totals;
  for (const auto& b : job.blocks) {
    for (const auto& u : b.usage) add_usage(totals, u);
  }
  return totals;
}

}  // namespace polyvox
