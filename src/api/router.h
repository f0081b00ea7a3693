// Maps (method, path) to a handler. Patterns are literal segments and {name} parameters:
// "/result/{id}/block/{index}/audio".
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "core/metrics.h"

namespace polyvox {

using Handler = std::function<HttpResponse(HttpRequest&)>;

// How a handler must be run.
enum class Execution {
  kInline,    // fast and non-blocking (in-memory work, local reads): on the I/O thread
  kBlocking,  // may wait (durable writes, password hashing, remote calls): on the blocking pool
  // Read-only, usually answered from memory (a polled job, the user behind a token): tried on
  // the I/O thread under a NoWaitScope (core/waiting.h); when a store call would have waited,
  // the handler runs again on the blocking pool. REQUIRES: the handler changes nothing.
  kMemoryFirst,
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  Execution execution = Execution::kInline;

  // Per-route metrics, resolved once so that the hot path takes no lock.
  Histogram* latency = nullptr;
  Counter* requests_by_status(int status) const;
  Family<Counter>* requests = nullptr;
  mutable std::array<std::atomic<Counter*>, 600> status_counters{};

  std::vector<std::string> segments;  // pattern split at '/'
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this path and method
  bool path_known = false;       // the path matched with another method (405, not 404)
  std::vector<std::string> allowed_methods;
};

class Router {
 public:
  explicit Router(MetricsRegistry& metrics);

  // REQUIRES: before the server starts (not thread-safe).
  void add(const std::string& method, const std::string& pattern, Handler handler,
           Execution execution = Execution::kInline);

  // The route for the request, filling request.path_params. Thread-safe.
  RouteMatch match(HttpRequest& request) const;

  // Metrics for requests that matched no route (route label "unmatched").
  const Route& unmatched() const { return *unmatched_; }

 private:
  void attach_metrics(Route& route);

  MetricsRegistry& metrics_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Route> unmatched_;
};

}  // namespace polyvox
