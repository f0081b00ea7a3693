#include "api/event_stream.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "core/manifest.h"
#include "core/utf8.h"

namespace polyvox {

using nlohmann::json;

namespace {

// As the manifest states times (core/manifest.h), so that events and manifest agree.
double to_ms(const json& samples, int rate) {
  if (!samples.is_number_integer()) return 0;
  return manifest_ms(samples.get<int64_t>(), rate);
}

// A stored body as JSON. Redis's cjson copies the bytes of a string as they are, so an error
// text that is not UTF-8 (a vendor's message) makes a body nlohmann refuses: parsed again with
// those bytes replaced, as the API writes every string.
json parse_body(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() && !is_valid_utf8(body)) {
    parsed = json::parse(to_valid_utf8(body), nullptr, false);
  }
  return parsed;
}

std::string frame_of(const std::string& id, const std::string& name, const std::string& data) {
  return "id: " + id + "\nevent: " + name + "\ndata: " + data + "\n\n";
}

}  // namespace

std::optional<std::string> EventRenderer::frame(const JobEvent& event, const std::string& id,
                                                bool* terminal) const {
  // The hub hands one event to every stream that follows it, one after the other on the same
  // thread: the last frame made here is the next one asked for, 999 times in 1,000.
  struct Last {
    std::string job_id, body, id, base_url;
    int sample_rate = 0;
    std::optional<std::string> frame;
    bool terminal = false;
  };
  thread_local Last last;
  if (last.sample_rate == sample_rate_ && last.id == id && last.job_id == event.job_id &&
      last.body == event.body && last.base_url == base_url_) {
    if (terminal) *terminal = last.terminal;
    return last.frame;
  }
  bool ends = false;
  last.frame = render(event, id, &ends);
  last.terminal = ends;
  last.job_id = event.job_id;
  last.body = event.body;
  last.id = id;
  last.base_url = base_url_;
  last.sample_rate = sample_rate_;
  if (terminal) *terminal = ends;
  return last.frame;
}

std::optional<std::string> EventRenderer::render(const JobEvent& event, const std::string& id,
                                                 bool* terminal) const {
  json body = parse_body(event.body);
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) {
    return std::nullopt;
  }
  const std::string type = body["type"];
  json data = {{"job_id", event.job_id}};
  // The job's own rate when the store wrote it (jobs with a sample_rate), else the configured.
  const auto rate_it = body.find("sample_rate");
  const int rate = rate_it != body.end() && rate_it->is_number_integer() &&
                           rate_it->get<int64_t>() > 0 && rate_it->get<int64_t>() <= 1'000'000
                       ? static_cast<int>(rate_it->get<int64_t>())
                       : sample_rate_;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (key == "type" || key == "sample_rate") continue;
    if (key == "speech_samples" || key == "pause_samples" || key == "offset_samples" ||
        key == "duration_samples") {
      data[key.substr(0, key.size() - 8) + "_ms"] = to_ms(it.value(), rate);
    } else {
      data[key] = it.value();
    }
  }
  if (type == "job.completed") {
    data["result_url"] = base_url_ + "/result/" + event.job_id + "/audio";
  }
  if (terminal) {
    *terminal = type == "job.completed" || type == "job.failed" || type == "job.cancelled";
  }
  return frame_of(id, type, json_text(data));
}

std::string EventRenderer::snapshot_frame(const std::string& id, const std::string& status_json) {
  return frame_of(id, "snapshot", status_json);
}

JobEventStream::JobEventStream(EventHub& hub, EventHub::Filter filter, EventRenderer renderer)
    : hub_(hub), renderer_(std::move(renderer)), single_job_(!filter.job_id.empty()) {
  subscription_ =
      hub_.subscribe(std::move(filter), [this](const JobEvent& event) { on_event(event); });
}

JobEventStream::~JobEventStream() { close(); }

void JobEventStream::start(std::string opening, int64_t last_seq, bool finished) {
  Deliver deliver;
  Piece piece;
  {
    std::lock_guard lock(mutex_);
    ready_ = std::move(opening) + ready_;
    last_seq_ = last_seq;
    started_ = true;
    if (finished && single_job_) ending_ = true;
    std::vector<JobEvent> held = std::move(held_);
    for (const JobEvent& event : held) {
      if (ending_) break;
      add(event);
    }
    deliver = take_ready(piece);
  }
  if (deliver) deliver(std::move(piece));
}

void JobEventStream::on_event(const JobEvent& event) {
  Deliver deliver;
  Piece piece;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || ending_) return;
    if (!started_) {
      held_.push_back(event);
      return;
    }
    add(event);
    deliver = take_ready(piece);
  }
  if (deliver) deliver(std::move(piece));
}

void JobEventStream::add(const JobEvent& event) {
  if (event.seq == 0) {  // the hub may have missed events
    end_for_resync();
    return;
  }
  std::string id;
  if (single_job_) {
    if (event.seq <= last_seq_) return;  // the opening covered it
    if (event.seq != last_seq_ + 1) {    // one is missing
      end_for_resync();
      return;
    }
    last_seq_ = event.seq;
    id = std::to_string(event.seq);
  } else {
    id = event.job_id + "/" + std::to_string(event.seq);
  }
  bool terminal = false;
  auto frame = renderer_.frame(event, id, &terminal);
  if (!frame) return;
  if (++queued_ > kMaxQueuedFrames) {
    end_for_resync();
    return;
  }
  ready_ += *frame;
  if (terminal && single_job_) ending_ = true;
}

void JobEventStream::end_for_resync() {
  ready_ += "retry: 0\n\n";
  ending_ = true;
}

LiveBody::Deliver JobEventStream::take_ready(Piece& piece) {
  if (!pending_ || !started_ || (ready_.empty() && !ending_)) return nullptr;
  piece.bytes = std::move(ready_);
  piece.end = ending_;
  ready_.clear();
  queued_ = 0;
  Deliver deliver = std::move(pending_);
  pending_ = nullptr;
  return deliver;
}

void JobEventStream::next(Deliver deliver) {
  Piece piece;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    pending_ = std::move(deliver);
    deliver = take_ready(piece);
  }
  if (deliver) deliver(std::move(piece));
}

void JobEventStream::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    pending_ = nullptr;
  }
  hub_.unsubscribe(subscription_);  // when it returns, on_event never runs again
}

}  // namespace polyvox
