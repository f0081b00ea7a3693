// GET /jobs/{id}/events and GET /events: job events as server-sent events (api/event_stream.h).
// Same ownership rules as /status. A stream opens with a snapshot (the /status body) whose id
// is the job's latest event, or, with Last-Event-ID, with the events after it read from the
// job's stored log; then it follows the node's EventHub. Resuming after the last event of a
// finished job answers 204 No Content. GET /events resumes with snapshots: of the unfinished
// jobs, and of every job changed since the event its Last-Event-ID ("job/seq") names, so that
// a job that ended while the client was away is seen ended.
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/event_stream.h"
#include "api/handler_support.h"
#include "api/job_views.h"
#include "api/route_groups.h"

namespace polyvox {
namespace {

// Replayed at most this many events per (re)connection; a client further behind gets the rest
// on its next reconnection.
constexpr std::size_t kMaxReplay = 10'000;
// /events opens with snapshots of at most this many of the caller's newest jobs.
constexpr std::size_t kMaxSnapshots = 50;

HttpResponse event_stream_response(std::shared_ptr<LiveBody> body) {
  HttpResponse response;
  response.set_header("Content-Type", "text/event-stream; charset=utf-8");
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Accel-Buffering", "no");  // proxies must not hold events back
  response.live = std::move(body);
  return response;
}

// For a client resuming after the end of its job's stream.
HttpResponse no_more_events() {
  HttpResponse response;
  response.status = 204;
  response.set_header("Cache-Control", "no-store");
  return response;
}

// The seq a Last-Event-ID names; nullopt when absent or not a seq.
std::optional<int64_t> last_event_id(const HttpRequest& request) {
  const std::string_view text = request.header("last-event-id");
  int64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || seq < 0) {
    return std::nullopt;
  }
  return seq;
}

// When the event a GET /events Last-Event-ID ("job/seq") names happened (seq 0, a snapshot
// taken before the job's first event: when the job was created), for a job `user` may see;
// nullopt when there is no such id, job or event.
std::optional<int64_t> resumed_at_ms(const HttpRequest& request, const User& user, bool everyone,
                                     ApiDeps& deps) {
  const std::string_view text = request.header("last-event-id");
  const std::size_t slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  int64_t seq = 0;
  const char* digits = text.data() + slash + 1;
  const auto [end, ec] = std::from_chars(digits, text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size() || seq < 0) return std::nullopt;
  const std::string job_id(text.substr(0, slash));
  if (seq == 0) {
    auto job = deps.jobs->get_job(job_id, false);
    if (!job || (!everyone && job->owner != user.id)) return std::nullopt;
    return job->created_at_ms;
  }
  auto log = deps.jobs->job_events(job_id, seq - 1, 1);
  if (!log || log->events.empty() || log->events[0].seq != seq) return std::nullopt;
  if (!everyone && log->owner != user.id) return std::nullopt;
  const auto body = nlohmann::json::parse(log->events[0].body, nullptr, false);
  if (!body.is_object() || !body.contains("at_ms") || !body["at_ms"].is_number_integer()) {
    return std::nullopt;
  }
  return body["at_ms"].get<int64_t>();
}

Status events_available(ApiDeps& deps) {
  if (deps.events) return Status::success();
  return Error{ErrorKind::kUnavailable, "job events are not available on this node", ""};
}

// GET /jobs/{id}/events
HttpResponse job_events(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  if (Status s = events_available(deps); !s) return error_response(s.error());
  const std::string& id = request.param("id");
  // Ownership first, as /status checks it.
  auto seen = job_for(id, *user, false, deps);
  if (!seen) return error_response(seen.error());
  const std::string base = base_url(request, deps);
  EventRenderer renderer(base, deps.sample_rate);
  auto stream =
      std::make_shared<JobEventStream>(*deps.events, EventHub::Filter{id, "", false}, renderer);
  const std::optional<int64_t> resume = last_event_id(request);
  if (resume) {
    auto log = deps.jobs->job_events(id, *resume, kMaxReplay);
    if (!log) return error_response(log.error());
    if (*resume <= log->last_seq) {
      std::string opening;
      int64_t last = *resume;
      bool finished = false;
      for (const JobEvent& event : log->events) {
        bool terminal = false;
        if (auto frame = renderer.frame(event, std::to_string(event.seq), &terminal)) {
          opening += *frame;
        }
        last = event.seq;
        finished = finished || terminal;
      }
      // A job that was over before its log was read has nothing more to come. A client that
      // saw its end and comes back (as EventSource does whenever a stream ends) is told to
      // stop: 204, the one answer after which EventSource does not reconnect.
      if (last == log->last_seq && is_finished(seen->status)) {
        if (log->events.empty()) return no_more_events();
        finished = true;
      }
      if (last < log->last_seq) {  // more than one replay holds: the rest at once, next time
        opening += "retry: 0\n\n";
        finished = true;
      }
      stream->start(std::move(opening), last, finished);
      return event_stream_response(stream);
    }
    // An id this job never had: start afresh.
  }
  // The latest seq before the snapshot: what happens in between is in the snapshot and sent
  // again as events (harmless: each says the state it leads to).
  auto log = deps.jobs->job_events(id, 0, 0);
  if (!log) return error_response(log.error());
  auto job = deps.jobs->get_job(id, true);
  if (!job) return error_response(job.error());
  stream->start(
      EventRenderer::snapshot_frame(std::to_string(log->last_seq), job_status_json(*job, base)),
      log->last_seq, is_finished(job->status));
  return event_stream_response(stream);
}

// GET /events[?all=true]: every job of the caller (admins: of everyone with all=true).
HttpResponse all_events(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  if (Status s = events_available(deps); !s) return error_response(s.error());
  const std::string all = request.query_param("all").value_or("false");
  if (all != "true" && all != "false") {
    return error_response(400, "VALIDATION_ERROR", "must be true or false", "all");
  }
  if (all == "true" && !user->admin) {
    return error_response(403, "FORBIDDEN", "only admins may follow every user's jobs", "all");
  }
  const bool everyone = all == "true";
  const std::string base = base_url(request, deps);
  auto stream = std::make_shared<JobEventStream>(
      *deps.events, EventHub::Filter{"", everyone ? "" : user->id, everyone},
      EventRenderer(base, deps.sample_rate));
  const std::optional<int64_t> since = resumed_at_ms(request, *user, everyone, deps);
  auto page = deps.jobs->list_jobs(everyone ? "" : user->id, 0, kMaxSnapshots);
  if (!page) return error_response(page.error());
  std::string opening;
  for (const JobRecord& listed : page->jobs) {
    if (is_finished(listed.status) && !(since && listed.updated_at_ms >= *since)) continue;
    auto log = deps.jobs->job_events(listed.id, 0, 0);
    auto job = deps.jobs->get_job(listed.id, true);
    if (!log || !job) continue;  // deleted meanwhile
    opening += EventRenderer::snapshot_frame(listed.id + "/" + std::to_string(log->last_seq),
                                             job_status_json(*job, base));
  }
  stream->start(std::move(opening), 0, false);
  return event_stream_response(stream);
}

}  // namespace

void register_event_routes(Router& router, ApiDeps& deps) {
  router.add(
      "GET", "/jobs/{id}/events", [&deps](HttpRequest& r) { return job_events(r, deps); },
      Execution::kBlocking);
  router.add(
      "GET", "/events", [&deps](HttpRequest& r) { return all_events(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
