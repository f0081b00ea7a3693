#include "jobs/redis/redis_records.h"

#include <charconv>
#include <system_error>

namespace polyvox::redis {

int64_t int_field(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end()) return 0;
  int64_t value = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return value;
}

namespace {

std::string text_field(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

bool has(const Fields& fields, const std::string& name) { return fields.count(name) != 0; }

// A double written by append_block_args (the shortest text that reads back exactly); `fallback`
// when the field is missing (a block stored before the field existed) or unreadable.
double real_field(const Fields& fields, const std::string& name, double fallback) {
  auto it = fields.find(name);
  if (it == fields.end()) return fallback;
  double value = fallback;
  const auto [end, error] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return error == std::errc() ? value : fallback;
}

std::string real_text(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, error == std::errc() ? end : buffer);
}

}  // namespace

JobRecord job_from_fields(const Fields& fields) {
  JobRecord job;
  job.id = text_field(fields, "id");
  job.owner = text_field(fields, "owner");
  job.owner_name = text_field(fields, "owner_name");
  job.project_id = text_field(fields, "project_id");
  job.parent_id = text_field(fields, "parent_id");
  job.output_format =
      parse_output_format(text_field(fields, "output_format")).value_or(OutputFormat::kMp3);
  job.sample_rate = static_cast<int>(int_field(fields, "sample_rate"));
  job.bitrate_kbps = static_cast<int>(int_field(fields, "bitrate_kbps"));
  job.profile =
      parse_delivery_profile(text_field(fields, "profile")).value_or(DeliveryProfile::kServer);
  job.cover_url = text_field(fields, "cover_url");
  job.status = static_cast<JobStatus>(int_field(fields, "status"));
  job.blocks_total = static_cast<std::size_t>(int_field(fields, "blocks_total"));
  job.blocks_done = static_cast<std::size_t>(int_field(fields, "blocks_done"));
  job.error = text_field(fields, "error");
  job.interactive = text_field(fields, "interactive") == "1";  // absent: stored before it existed
  if (has(fields, "result_key")) {
    job.result =
        AssemblyOutcome{text_field(fields, "result_key"), text_field(fields, "manifest_json"),
                        int_field(fields, "result_bytes")};
  }
  job.created_at_ms = int_field(fields, "created_at_ms");
  job.updated_at_ms = int_field(fields, "updated_at_ms");
  return job;
}

BlockRecord block_from_fields(std::size_t index, const Fields& fields) {
  BlockRecord block;
  block.index = index;
  block.spec.text = text_field(fields, "text");
  block.spec.wait_after_ms = static_cast<int>(int_field(fields, "wait_after_ms"));
  block.spec.provider = text_field(fields, "provider");
  block.spec.voice = text_field(fields, "voice");
  block.spec.arabic = int_field(fields, "arabic") != 0;
  block.spec.fallback = fallback_from_json(text_field(fields, "fallback_json"));
  block.spec.cache = int_field(fields, "cache") != 0;
  block.spec.speed = real_field(fields, "speed", 1.0);
  block.spec.instructions = text_field(fields, "instructions");
  block.spec.speaker = text_field(fields, "speaker");
  block.spec.chapter = text_field(fields, "chapter");
  block.status = static_cast<BlockStatus>(int_field(fields, "status"));
  block.attempts = static_cast<int>(int_field(fields, "attempts"));
  block.error = text_field(fields, "error");
  if (has(fields, "segment_key")) {
    block.result =
        BlockResult{text_field(fields, "segment_key"), int_field(fields, "speech_samples"),
                    int_field(fields, "pause_samples"), text_field(fields, "result_provider"),
                    text_field(fields, "result_voice_id")};
    block.result->spoken_text = text_field(fields, "spoken_text");
    block.result->timing_json = text_field(fields, "timing_json");
  }
  if (has(fields, "usage_json")) block.usage = usage_from_json(text_field(fields, "usage_json"));
  return block;
}

User user_from_fields(const Fields& fields) {
  User user{text_field(fields, "id"),
            text_field(fields, "name"),
            text_field(fields, "password_hash"),
            int_field(fields, "admin") != 0,
            int_field(fields, "created_at_ms"),
            int_field(fields, "token_version")};
  // Absent: the deployment's limit.
  auto stored = [&](const char* field) -> std::optional<int64_t> {
    if (!has(fields, field)) return std::nullopt;
    return int_field(fields, field);
  };
  user.quotas = {override_from_stored(stored("max_queued_jobs")),
                 override_from_stored(stored("max_queued_blocks")),
                 override_from_stored(stored("max_chars_per_day"))};
  return user;
}

ApiKey api_key_from_fields(const Fields& fields) {
  return ApiKey{text_field(fields, "id"),           text_field(fields, "user_id"),
                text_field(fields, "name"),         text_field(fields, "prefix"),
                text_field(fields, "hash"),         int_field(fields, "created_at_ms"),
                int_field(fields, "expires_at_ms"), int_field(fields, "last_used_at_ms")};
}

std::vector<ProviderUsage> usage_from_fields(const Fields& fields) {
  std::vector<ProviderUsage> usage;  // fields are sorted, so providers come out by name
  for (const auto& [field, value] : fields) {
    const auto bar = field.rfind('|');
    if (bar == std::string::npos) continue;
    ProviderUsage entry;
    entry.provider = field.substr(0, bar);
    const std::string counter = field.substr(bar + 1);
    uint64_t count = 0;
    std::from_chars(value.data(), value.data() + value.size(), count);
    if (counter == "calls")
      entry.calls = count;
    else if (counter == "characters")
      entry.characters = count;
    else if (counter == "cache_hits")
      entry.cache_hits = count;
    else if (counter == "failures")
      entry.failures = count;
    else if (counter == "retries")
      entry.retries = count;
    add_usage(usage, entry);
  }
  return usage;
}

std::string task_id(const Task& task) {
  return task.job_id + ":" +
         (task.kind == TaskKind::kBlock ? std::to_string(task.block_index) : std::string("a"));
}

void append_block_args(const BlockSpec& block, std::vector<std::string>& args) {
  args.push_back(block.text);
  args.push_back(std::to_string(block.wait_after_ms));
  args.push_back(block.provider);
  args.push_back(block.voice);
  args.push_back(block.arabic ? "1" : "0");
  args.push_back(fallback_to_json(block.fallback));
  args.push_back(block.cache ? "1" : "0");
  args.push_back(real_text(block.speed));
  args.push_back(block.instructions);
  args.push_back(block.speaker);
  args.push_back(block.chapter);
}

void append_usage_args(const std::vector<ProviderUsage>& usage, std::vector<std::string>& args) {
  args.push_back(std::to_string(usage.size()));
  for (const ProviderUsage& u : usage) {
    args.push_back(u.provider);
    for (uint64_t n : {u.calls, u.characters, u.cache_hits, u.failures, u.retries}) {
      args.push_back(std::to_string(n));
    }
  }
}

}  // namespace polyvox::redis
