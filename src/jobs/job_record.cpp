#include "jobs/job_record.h"

#include <nlohmann/json.hpp>

#include "jobs/job_store.h"

namespace polyvox {
namespace {

constexpr const char* kJobStatusNames[] = {"queued", "processing", "completed", "failed",
                                           "cancelled"};
constexpr const char* kBlockStatusNames[] = {"queued", "processing", "done", "failed", "cancelled"};

}  // namespace

// A status read from a store is whatever integer the store held (another version's, a damaged
// record): outside the table it is "unknown", never a read past its end.
const char* job_status_name(JobStatus status) {
  const auto i = static_cast<std::size_t>(status);
  return i < std::size(kJobStatusNames) ? kJobStatusNames[i] : "unknown";
}

const char* block_status_name(BlockStatus status) {
  const auto i = static_cast<std::size_t>(status);
  return i < std::size(kBlockStatusNames) ? kBlockStatusNames[i] : "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kJobStatusNames[i]) return static_cast<JobStatus>(i);
  }
  return std::nullopt;
}

std::optional<BlockStatus> parse_block_status(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kBlockStatusNames[i]) return static_cast<BlockStatus>(i);
  }
  return std::nullopt;
}

JobRecord queued_record(const NewJob& job, int64_t now_ms) {
  JobRecord record;
  record.id = job.id;
  record.owner = job.owner;
  record.owner_name = job.owner_name;
  record.project_id = job.spec.project_id;
  record.parent_id = job.parent_id;
  record.output_format = job.spec.output_format;
  record.sample_rate = job.spec.sample_rate;
  record.bitrate_kbps = job.spec.bitrate_kbps;
  record.profile = job.spec.profile;
  record.cover_url = job.spec.cover_url;
  record.status = JobStatus::kQueued;
  record.blocks_total = job.spec.blocks.size();
  record.interactive = job.spec.interactive;
  record.created_at_ms = record.updated_at_ms = now_ms;
  return record;
}

bool is_same_submission(const JobRecord& stored, const NewJob& job) {
  if (stored.id != job.id || stored.owner != job.owner ||
      stored.project_id != job.spec.project_id || stored.parent_id != job.parent_id ||
      stored.output_format != job.spec.output_format ||
      stored.sample_rate != job.spec.sample_rate || stored.bitrate_kbps != job.spec.bitrate_kbps ||
      stored.profile != job.spec.profile || stored.cover_url != job.spec.cover_url ||
      stored.blocks.size() != job.spec.blocks.size()) {
    return false;
  }
  for (std::size_t i = 0; i < stored.blocks.size(); ++i) {
    if (stored.blocks[i].spec != job.spec.blocks[i]) return false;
  }
  return true;
}

std::string fallback_to_json(const std::vector<VoiceChoice>& fallback) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : fallback) list.push_back({{"provider", c.provider}, {"voice", c.voice}});
  return list.dump();
}

std::vector<VoiceChoice> fallback_from_json(const std::string& json) {
  std::vector<VoiceChoice> fallback;
  auto list = nlohmann::json::parse(json, nullptr, false);
  if (!list.is_array()) return fallback;
  for (const auto& item : list) {
    if (item.is_object()) {
      fallback.push_back({item.value("provider", ""), item.value("voice", "default")});
    }
  }
  return fallback;
}

}  // namespace polyvox
