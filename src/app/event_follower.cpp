#include "app/event_follower.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace polyvox {
namespace {

using std::chrono::milliseconds;

// Refusals that the same request cannot turn into a stream later.
bool final_refusal(ErrorKind kind) {
  return kind == ErrorKind::kUnauthenticated || kind == ErrorKind::kForbidden ||
         kind == ErrorKind::kNotFound || kind == ErrorKind::kInvalidInput;
}

Error cancelled() { return Error{ErrorKind::kUnavailable, "cancelled", ""}; }

// Waits `wait`, or less when `cancel` is cancelled meanwhile; false then.
bool wait_unless_cancelled(milliseconds wait, const CancelToken* cancel) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel->cancelled()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        milliseconds(50), until - std::chrono::steady_clock::now()));
  }
  return !(cancel && cancel->cancelled());
}

}  // namespace

Status follow_job_events(ApiClient& api, const std::string& job_id, const JobEventHandler& handler,
                         const ReconnectNotice& notice, const FollowOptions& options,
                         const CancelToken* cancel) {
  http::SseParser parser;
  int failures = 0;  // reconnections in a row that failed
  for (;;) {
    const auto opened = std::chrono::steady_clock::now();
    bool delivered = false;
    bool over = false;
    Status broken;
    auto end = api.job_events(job_id, parser.last_event_id(), options.idle_timeout,
                              [&](std::string_view bytes) {
                                std::vector<http::SseEvent> events;
                                broken = parser.feed(bytes, &events);
                                for (const http::SseEvent& event : events) {
                                  delivered = true;
                                  if (handler(event)) {
                                    over = true;
                                    return false;
                                  }
                                }
                                return broken.ok();
                              });
    if (over) return Status::success();
    if (cancel && cancel->cancelled()) return cancelled();
    parser.end_of_stream();
    std::string why = "the server ended the stream";
    int retry_after_s = 0;
    if (!end) {
      if (final_refusal(end.error().kind)) return end.error();
      why = end.error().message;
      retry_after_s = end.error().retry_after_s;
    } else if (!broken.ok()) {
      why = "the server sent a broken event stream: " + broken.error().message;
    }
    const bool healthy =
        delivered || std::chrono::steady_clock::now() - opened >= options.healthy_connection;
    failures = healthy ? 1 : failures + 1;
    if (failures > options.max_failed_reconnects) {
      return Error{ErrorKind::kUnavailable,
                   "gave up after " + std::to_string(options.max_failed_reconnects) +
                       " failed reconnections: " + why,
                   ""};
    }
    const milliseconds base = parser.retry_ms()
                                  ? milliseconds(std::min<int64_t>(*parser.retry_ms(), 3'600'000))
                                  : options.first_delay;
    milliseconds wait = base;
    if (failures > 1) {
      wait = base.count() > 0 ? base : milliseconds(100);
      for (int i = 1; i < failures && wait < options.max_delay; ++i) wait *= 2;
      wait = std::min(wait, options.max_delay);
    }
    wait = std::max(wait, milliseconds(retry_after_s * 1000LL));
    if (notice) notice(why, wait, failures);
    if (!wait_unless_cancelled(wait, cancel)) return cancelled();
  }
}

}  // namespace polyvox
