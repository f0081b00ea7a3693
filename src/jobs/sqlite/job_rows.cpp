#include "jobs/sqlite/job_rows.h"

namespace polyvox::sqlite {
namespace {

// Every job query selects these columns in this order (job_from_row reads them by position).
#define POLYVOX_JOB_COLUMNS                                                               \
  "seq, id, owner, project_id, output_format, status, blocks_total, blocks_done, error, " \
  "result_key, manifest_json, result_bytes, created_at_ms, updated_at_ms, owner_name, "   \
  "sample_rate, bitrate_kbps, parent_id, profile, cover_url, interactive "

constexpr const char* kJobById = "SELECT " POLYVOX_JOB_COLUMNS "FROM jobs WHERE id = ?";
constexpr const char* kJobsNewestFirst =
    "SELECT " POLYVOX_JOB_COLUMNS "FROM jobs ORDER BY seq DESC LIMIT ? OFFSET ?";
constexpr const char* kJobsOfOwnerNewestFirst = "SELECT " POLYVOX_JOB_COLUMNS
                                                "FROM jobs WHERE owner = ? "
                                                "ORDER BY seq DESC LIMIT ? OFFSET ?";
#undef POLYVOX_JOB_COLUMNS

#define POLYVOX_BLOCK_COLUMNS                                                                  \
  "SELECT idx, text, wait_after_ms, provider, voice, arabic, status, attempts, error, "        \
  "segment_key, speech_samples, pause_samples, result_provider, result_voice_id, "             \
  "fallback_json, cache, usage_json, speed, spoken_text, instructions, speaker, timing_json, " \
  "chapter "

constexpr const char* kBlocksOfJob =
    POLYVOX_BLOCK_COLUMNS "FROM blocks WHERE job_seq = ? ORDER BY idx";
constexpr const char* kBlockOfJob =
    POLYVOX_BLOCK_COLUMNS "FROM blocks WHERE job_seq = ? AND idx = ?";
#undef POLYVOX_BLOCK_COLUMNS

JobRecord job_from_row(const Statement& row) {
  JobRecord job;
  job.id = row.text(1);
  job.owner = row.text(2);
  job.project_id = row.text(3);
  job.output_format = parse_output_format(row.text(4)).value_or(OutputFormat::kMp3);
  job.status = static_cast<JobStatus>(row.int64(5));
  job.blocks_total = static_cast<std::size_t>(row.int64(6));
  job.blocks_done = static_cast<std::size_t>(row.int64(7));
  job.error = row.text(8);
  if (!row.is_null(9)) {
    job.result = AssemblyOutcome{row.text(9), row.text(10), row.int64(11)};
  }
  job.created_at_ms = row.int64(12);
  job.updated_at_ms = row.int64(13);
  job.owner_name = row.text(14);
  job.sample_rate = static_cast<int>(row.int64(15));
  job.bitrate_kbps = static_cast<int>(row.int64(16));
  job.parent_id = row.text(17);
  job.profile = parse_delivery_profile(row.text(18)).value_or(DeliveryProfile::kServer);
  job.cover_url = row.text(19);
  job.interactive = row.int64(20) != 0;
  return job;
}

BlockRecord block_from_row(const Statement& row) {
  BlockRecord block;
  block.index = static_cast<std::size_t>(row.int64(0));
  block.spec.text = row.text(1);
  block.spec.wait_after_ms = static_cast<int>(row.int64(2));
  block.spec.provider = row.text(3);
  block.spec.voice = row.text(4);
  block.spec.arabic = row.int64(5) != 0;
  block.status = static_cast<BlockStatus>(row.int64(6));
  block.attempts = static_cast<int>(row.int64(7));
  block.error = row.text(8);
  if (!row.is_null(9)) {
    block.result =
        BlockResult{row.text(9), row.int64(10), row.int64(11), row.text(12), row.text(13)};
    if (!row.is_null(18)) block.result->spoken_text = row.text(18);
    if (!row.is_null(21)) block.result->timing_json = row.text(21);
  }
  if (!row.is_null(16)) block.usage = usage_from_json(row.text(16));
  block.spec.fallback = fallback_from_json(row.text(14));
  block.spec.cache = row.int64(15) != 0;
  block.spec.speed = row.real(17);
  block.spec.instructions = row.text(19);
  block.spec.speaker = row.text(20);
  block.spec.chapter = row.text(22);
  return block;
}

Status append_blocks(Connection& db, int64_t job_seq, JobRecord& job) {
  job.blocks.reserve(job.blocks_total);
  return db.for_each_row(
      kBlocksOfJob, [&](const Statement& row) { job.blocks.push_back(block_from_row(row)); },
      job_seq);
}

}  // namespace

Result<std::optional<JobRow>> find_job_row(Connection& db, const std::string& id) {
  return db.query_row(
      "SELECT seq, status, blocks_total, blocks_done, assembly_enqueued, assembly_attempt "
      "FROM jobs WHERE id = ?",
      [](const Statement& row) {
        JobRow job;
        job.seq = row.int64(0);
        job.status = static_cast<JobStatus>(row.int64(1));
        job.blocks_total = static_cast<std::size_t>(row.int64(2));
        job.blocks_done = static_cast<std::size_t>(row.int64(3));
        job.assembly_enqueued = row.int64(4) != 0;
        if (!row.is_null(5)) job.assembly_attempt = row.int64(5);
        return job;
      },
      id);
}

Status withdraw_unfinished_work(Connection& db, int64_t seq) {
  if (auto s = db.run("UPDATE blocks SET status = ? WHERE job_seq = ? AND status IN (?, ?)",
                      code(BlockStatus::kCancelled), seq, code(BlockStatus::kQueued),
                      code(BlockStatus::kProcessing));
      !s) {
    return s;
  }
  return db.run("DELETE FROM tasks WHERE job_seq = ?", seq);
}

Result<std::optional<BlockWork>> find_block(Connection& db, const std::string& id,
                                            std::size_t index) {
  int64_t seq = 0;
  auto job = db.query_row(
      kJobById,
      [&](const Statement& row) {
        seq = row.int64(0);
        return job_from_row(row);
      },
      id);
  if (!job) return job.take_error();
  if (!*job) return std::optional<BlockWork>();
  auto block = db.query_row(
      kBlockOfJob, [](const Statement& row) { return block_from_row(row); }, seq,
      static_cast<int64_t>(index));
  if (!block) return block.take_error();
  if (!*block) return std::optional<BlockWork>();
  return std::optional<BlockWork>(BlockWork{std::move(**block), (*job)->output_format,
                                            (*job)->sample_rate, (*job)->bitrate_kbps,
                                            (*job)->profile, (*job)->blocks_total, (*job)->status});
}

Result<std::optional<JobRecord>> find_job(Connection& db, const std::string& id, bool with_blocks) {
  int64_t seq = 0;
  auto job = db.query_row(
      kJobById,
      [&](const Statement& row) {
        seq = row.int64(0);
        return job_from_row(row);
      },
      id);
  if (!job) return job.take_error();
  if (*job && with_blocks) {
    if (auto s = append_blocks(db, seq, **job); !s) return s.error();
  }
  return job;
}

Result<JobPage> list_job_page(Connection& db, const std::string& owner, std::size_t offset,
                              std::size_t limit) {
  JobPage page;
  auto total = owner.empty() ? db.query_int("SELECT count(*) FROM jobs")
                             : db.query_int("SELECT count(*) FROM jobs WHERE owner = ?", owner);
  if (!total) return total.take_error();
  page.total = static_cast<std::size_t>(total->value_or(0));
  auto add = [&](const Statement& row) { page.jobs.push_back(job_from_row(row)); };
  auto s = owner.empty()
               ? db.for_each_row(kJobsNewestFirst, add, sql_limit(limit), sql_limit(offset))
               : db.for_each_row(kJobsOfOwnerNewestFirst, add, owner, sql_limit(limit),
                                 sql_limit(offset));
  if (!s) return s.error();
  return page;
}

Status count_new_waiting_tasks(Connection& db, int64_t count) {
  return db.run("UPDATE counters SET value = value + ? WHERE name = 'tasks.waiting'", count);
}

Result<std::optional<int64_t>> earliest_task_due(Connection& db) {
  return db.query_int(
      "SELECT min(due) FROM ("
      "SELECT (SELECT min(due_ms) FROM tasks WHERE lane = ? AND turn = ?) AS due "
      "UNION ALL SELECT (SELECT min(t.due_ms) FROM tasks t WHERE t.lane = ? AND t.turn = u.id) "
      "FROM user_turns u WHERE u.active = 1 "
      "UNION ALL SELECT (SELECT min(t.due_ms) FROM tasks t WHERE t.lane = ? AND t.turn = u.id) "
      "FROM user_turns u WHERE u.active = 1)",
      kAssemblyLane, kNoTurn, kInteractiveLane, kBatchLane);
}

}  // namespace polyvox::sqlite
