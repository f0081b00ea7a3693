// Follows one job's server-sent events to the end, as an EventSource would: a dropped connection
// is opened again with Last-Event-ID (the server replays what was missed), after the server's
// `retry:` time ("retry: 0": at once), backing off while reconnections fail.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "app/api_client.h"
#include "core/cancel.h"
#include "core/error.h"
#include "http/sse_parser.h"

namespace polyvox {

struct FollowOptions {
  // Failed reconnections in a row before giving up. A connection that delivered an event, or
  // stayed open for healthy_connection, was not a failure: the count starts again after it.
  int max_failed_reconnects = 10;
  std::chrono::milliseconds healthy_connection{30'000};
  // The first reconnection waits the server's `retry:` time ("retry: 0": none), or first_delay
  // when it named none; each failed one after it twice as long as the one before (from 100 ms
  // when the server said 0), up to max_delay; at least what a 429/503's Retry-After asks.
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{8000};
  // A connection that receives nothing for this long is dropped (the server sends a comment
  // every 15 s).
  std::chrono::milliseconds idle_timeout{45'000};
};

// Called with each event in order; returns true once the job is over (following stops).
using JobEventHandler = std::function<bool(const http::SseEvent&)>;

// Told before each reconnection: why the last connection ended, the wait, and the attempt
// number (1..max_failed_reconnects).
using ReconnectNotice =
    std::function<void(const std::string& why, std::chrono::milliseconds wait, int attempt)>;

// Follows `job_id`'s events until `handler` returns true. Errors: the server's refusal that a
// reconnection cannot mend (kUnauthenticated, kForbidden, kNotFound, kInvalidInput: see
// ApiClient); kUnavailable "gave up after N failed reconnections: <why>" ; kUnavailable
// "cancelled" once `cancel` (may be null) is cancelled.
Status follow_job_events(ApiClient& api, const std::string& job_id, const JobEventHandler& handler,
                         const ReconnectNotice& notice, const FollowOptions& options,
                         const CancelToken* cancel);

}  // namespace polyvox
