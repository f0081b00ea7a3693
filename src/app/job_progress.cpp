#include "app/job_progress.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/api_client.h"
#include "core/json_input.h"

namespace polyvox {
namespace {

using nlohmann::json;

// Blocks an event may name beyond those known: a guard against a hostile server's indexes.
constexpr int64_t kMaxBlocks = 100'000;

// A number of `data` as an integer (times in events are milliseconds with decimals: rounded),
// or `fallback` when absent, not a number or out of range.
int64_t integer_or(const json& data, const char* key, int64_t fallback) {
  auto it = data.find(key);
  if (it == data.end()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (std::isfinite(value) && std::abs(value) < 9e15) return std::llround(value);
  }
  return fallback;
}

std::string text_or(const json& data, const char* key, const std::string& fallback = "") {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? terminal_safe(it->get<std::string>()) : fallback;
}

// "850 ms", "2 s", "1.5 s".
std::string duration_text(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

}  // namespace

JobProgress::JobProgress(std::vector<std::string> providers) {
  blocks_.resize(providers.size());
  for (std::size_t i = 0; i < providers.size(); ++i) blocks_[i].provider = providers[i];
}

JobProgress::Block* JobProgress::block_at(int64_t index) {
  if (index < 0 || index >= kMaxBlocks) return nullptr;
  if (static_cast<std::size_t>(index) >= blocks_.size()) blocks_.resize(index + 1);
  return &blocks_[index];
}

std::string JobProgress::block_name(int64_t index) const {
  std::string name = "block " + std::to_string(index);
  const Block& b = blocks_[index];
  if (b.provider.empty()) return name;
  return name + " (" + b.provider + (b.voice.empty() ? "" : ", " + b.voice) + ")";
}

std::size_t JobProgress::count(BlockState state) const {
  std::size_t n = 0;
  for (const Block& b : blocks_) n += b.state == state;
  return n;
}

std::string JobProgress::counts() const {
  std::string text =
      std::to_string(count(BlockState::kDone)) + "/" + std::to_string(blocks_.size()) + " done";
  const std::pair<BlockState, const char*> others[] = {{BlockState::kProcessing, "processing"},
                                                       {BlockState::kRetrying, "retrying"},
                                                       {BlockState::kFailed, "failed"},
                                                       {BlockState::kCancelled, "cancelled"}};
  for (const auto& [state, name] : others) {
    if (const std::size_t n = count(state); n > 0) text += ", " + std::to_string(n) + " " + name;
  }
  return text;
}

std::string JobProgress::status_line() const {
  return last_said_.empty() ? counts() : counts() + " \u2014 " + last_said_;
}

std::string JobProgress::apply(const http::SseEvent& event) {
  const json data = parse_untrusted_json(event.data);
  if (!data.is_object()) return "";
  const std::string& type = event.type;
  std::string said;
  if (type == "snapshot") {
    const std::string status = text_or(data, "status", "unknown");
    // Blocks that failed before this client saw it (a stream opened after they did): the first
    // is named with its reason, as its block.failed event would have said.
    std::string first_failed;
    int more_failed = 0;
    if (auto it = data.find("blocks"); it != data.end() && it->is_array()) {
      if (it->size() <= static_cast<std::size_t>(kMaxBlocks)) blocks_.resize(it->size());
      for (const json& entry : *it) {
        if (!entry.is_object()) continue;
        const int64_t index = integer_or(entry, "index", -1);
        Block* b = block_at(index);
        if (!b) continue;
        const std::string state = text_or(entry, "status");
        const bool newly_failed = state == "failed" && b->state != BlockState::kFailed;
        if (state == "queued") b->state = BlockState::kQueued;
        if (state == "processing") b->state = BlockState::kProcessing;
        if (state == "done") b->state = BlockState::kDone;
        if (state == "failed") b->state = BlockState::kFailed;
        if (state == "cancelled") b->state = BlockState::kCancelled;
        b->provider = text_or(entry, "provider", b->provider);
        if (newly_failed && first_failed.empty()) {
          first_failed =
              block_name(index) + " failed: " + text_or(entry, "error", "no reason given");
        } else if (newly_failed) {
          ++more_failed;
        }
      }
    }
    if (status == "completed") end_ = End::kCompleted;
    if (status == "failed") end_ = End::kFailed, failure_ = text_or(data, "error");
    if (status == "cancelled") end_ = End::kCancelled;
    said = "job " + text_or(data, "job_id", "?") + " " + status;
    if (!first_failed.empty()) {
      said = first_failed +
             (more_failed > 0 ? " (and " + std::to_string(more_failed) + " more failed)" : "") +
             "; " + said;
    }
  } else if (type.rfind("block.", 0) == 0) {
    const int64_t index = integer_or(data, "index", -1);
    Block* b = block_at(index);
    if (!b) return "";
    if (type == "block.processing") {
      b->state = BlockState::kProcessing;
      const int64_t attempt = integer_or(data, "attempt", 1);
      said = block_name(index) + " processing" +
             (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "");
    } else if (type == "block.retrying") {
      b->state = BlockState::kRetrying;
      const std::string reason = text_or(data, "reason");
      said = block_name(index) + " retrying in " +
             duration_text(std::max<int64_t>(0, integer_or(data, "delay_ms", 0))) + " (attempt " +
             std::to_string(integer_or(data, "attempt", 1)) + (reason.empty() ? "" : ": ") +
             reason + ")";
    } else if (type == "block.done") {
      b->state = BlockState::kDone;
      b->provider = text_or(data, "provider", b->provider);
      b->voice = text_or(data, "voice", b->voice);
      const int64_t pause = integer_or(data, "pause_ms", 0);
      const auto cached = data.find("cached");
      said =
          block_name(index) + " done: " + duration_text(integer_or(data, "speech_ms", 0)) +
          " of speech" + (pause > 0 ? ", " + duration_text(pause) + " pause" : "") +
          (cached != data.end() && cached->is_boolean() && cached->get<bool>() ? ", cached" : "");
    } else if (type == "block.failed") {
      b->state = BlockState::kFailed;
      said = block_name(index) + " failed: " + text_or(data, "reason", "no reason given");
    }
  } else if (type == "job.completed") {
    end_ = End::kCompleted;
    duration_ms_ = integer_or(data, "duration_ms", -1);
    said = "job completed" +
           (duration_ms_ >= 0 ? ": " + duration_text(duration_ms_) + " of audio" : "");
  } else if (type == "job.failed") {
    end_ = End::kFailed;
    failure_ = text_or(data, "error");
    said = "job failed" + (failure_.empty() ? "" : ": " + failure_);
  } else if (type == "job.cancelled") {
    end_ = End::kCancelled;
    said = "job cancelled";
  }
  if (said.empty()) return "";
  last_said_ = said;
  return "[" + std::to_string(count(BlockState::kDone)) + "/" + std::to_string(blocks_.size()) +
         "] " + said;
}

}  // namespace polyvox
