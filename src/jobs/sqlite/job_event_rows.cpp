#include "jobs/sqlite/job_event_rows.h"

#include <nlohmann/json.hpp>

#include "log/log.h"

namespace polyvox::sqlite {

using nlohmann::json;

EventAnnouncer::~EventAnnouncer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventAnnouncer::listen(JobEventListener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { log::catching("SQLite event announcer", [this] { run(); }); });
  }
}

void EventAnnouncer::announce(JobEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (listeners_.empty() || stopping_) return;
    queue_.push_back(std::move(event));
  }
  wake_.notify_one();
}

void EventAnnouncer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    JobEvent event = std::move(queue_.front());
    queue_.pop_front();
    // The calls run without the lock, so that announce() never waits for them.
    const std::vector<JobEventListener> listeners = listeners_;
    lock.unlock();
    for (const auto& listener : listeners) listener(event);
    lock.lock();
  }
}

Status append_event(Connection& db, EventAnnouncer& announcer, int64_t job_seq,
                    const std::string& fields, int64_t now_ms) {
  int64_t sample_rate = 0;
  auto row = db.query_row(
      "UPDATE jobs SET events = events + 1 WHERE seq = ? RETURNING id, owner, events, sample_rate",
      [&sample_rate](const Statement& r) {
        sample_rate = r.int64(3);
        return JobEvent{r.text(0), r.text(1), r.int64(2), ""};
      },
      job_seq);
  if (!row) return row.take_error();
  if (!*row) return Error{ErrorKind::kInternal, "event for a job that is gone", ""};
  // The event's fields, the job's rate when it has its own and the event counts samples, then
  // when it happened.
  std::string body = fields;
  if (body.size() >= 2 && body.back() == '}') {
    body.pop_back();
    if (sample_rate > 0 && body.find("_samples\"") != std::string::npos) {
      body += ",\"sample_rate\":" + std::to_string(sample_rate);
    }
    body += ",\"at_ms\":" + std::to_string(now_ms) + "}";
  }
  JobEvent event = std::move(**row);
  event.body = body;
  auto s = db.run("INSERT INTO job_events (job_seq, seq, body) VALUES (?, ?, ?)", job_seq,
                  event.seq, body);
  if (!s) return s;
  db.after_commit(
      [&announcer, event = std::move(event)]() mutable { announcer.announce(std::move(event)); });
  return Status::success();
}

std::string block_processing_event(std::size_t index, int64_t attempt) {
  return json{{"type", "block.processing"}, {"index", index}, {"attempt", attempt}}.dump();
}

std::string block_retrying_event(std::size_t index, int64_t attempt, int64_t delay_ms,
                                 const std::string& reason) {
  return json{{"type", "block.retrying"},
              {"index", index},
              {"attempt", attempt},
              {"delay_ms", delay_ms},
              {"reason", reason}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string block_done_event(std::size_t index, const BlockResult& result) {
  bool cached = false;
  for (const ProviderUsage& u : result.usage) {
    if (u.provider == result.provider && u.cache_hits > 0) cached = true;
  }
  return json{{"type", "block.done"},
              {"index", index},
              {"provider", result.provider},
              {"voice", result.voice_id},
              {"speech_samples", result.speech_samples},
              {"pause_samples", result.pause_samples},
              {"cached", cached}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string block_failed_event(std::size_t index, const std::string& reason) {
  return json{{"type", "block.failed"}, {"index", index}, {"reason", reason}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string job_completed_event(int64_t duration_samples) {
  return json{{"type", "job.completed"}, {"duration_samples", duration_samples}}.dump();
}

std::string job_failed_event(const std::string& error) {
  return json{{"type", "job.failed"}, {"error", error}}.dump(-1, ' ', false,
                                                             json::error_handler_t::replace);
}

std::string job_cancelled_event() { return json{{"type", "job.cancelled"}}.dump(); }

Status place_done_blocks(Connection& db, EventAnnouncer& announcer, int64_t job_seq,
                         int64_t now_ms) {
  auto job = db.query_row(
      "SELECT blocks_placed, placed_samples FROM jobs WHERE seq = ?",
      [](const Statement& r) { return std::pair(r.int64(0), r.int64(1)); }, job_seq);
  if (!job) return job.take_error();
  if (!*job) return Status::success();
  auto [placed, offset] = **job;
  const int64_t first = placed;
  for (;;) {
    auto block = db.query_row(
        "SELECT status, speech_samples, pause_samples FROM blocks WHERE job_seq = ? AND idx = ?",
        [](const Statement& r) {
          return std::tuple(static_cast<BlockStatus>(r.int64(0)), r.int64(1), r.int64(2));
        },
        job_seq, placed);
    if (!block) return block.take_error();
    if (!*block || std::get<0>(**block) != BlockStatus::kDone) break;
    const std::string body =
        json{{"type", "block.placed"}, {"index", placed}, {"offset_samples", offset}}.dump();
    if (auto s = append_event(db, announcer, job_seq, body, now_ms); !s) return s;
    offset += std::get<1>(**block) + std::get<2>(**block);
    ++placed;
  }
  if (placed == first) return Status::success();
  return db.run("UPDATE jobs SET blocks_placed = ?, placed_samples = ? WHERE seq = ?", placed,
                offset, job_seq);
}

Result<std::optional<JobEventLog>> read_job_events(Connection& db, const std::string& id,
                                                   int64_t after_seq, std::size_t limit) {
  auto job = db.query_row(
      "SELECT seq, owner, events FROM jobs WHERE id = ?",
      [](const Statement& r) { return std::tuple(r.int64(0), r.text(1), r.int64(2)); }, id);
  if (!job) return job.take_error();
  if (!*job) return std::optional<JobEventLog>();
  JobEventLog log;
  const int64_t job_seq = std::get<0>(**job);
  log.owner = std::get<1>(**job);
  log.last_seq = std::get<2>(**job);
  if (limit > 0 && after_seq < log.last_seq) {
    auto s = db.for_each_row(
        "SELECT seq, body FROM job_events WHERE job_seq = ? AND seq > ? ORDER BY seq LIMIT ?",
        [&](const Statement& r) {
          log.events.push_back(JobEvent{id, log.owner, r.int64(0), r.text(1)});
        },
        job_seq, after_seq, static_cast<int64_t>(limit));
    if (!s) return s.error();
  }
  return std::optional<JobEventLog>(std::move(log));
}

}  // namespace polyvox::sqlite
