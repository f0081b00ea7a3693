#include "api/router.h"

namespace polyvox {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Counter* Route::requests_by_status(int status) const {
  const auto slot = static_cast<std::size_t>(status >= 100 && status < 600 ? status : 599);
  Counter* counter = status_counters[slot].load(std::memory_order_acquire);
  if (!counter) {
    counter = &requests->with({pattern, std::to_string(status)});
    status_counters[slot].store(counter, std::memory_order_release);
  }
  return counter;
}

Router::Router(MetricsRegistry& metrics) : metrics_(metrics) {
  unmatched_ = std::make_unique<Route>();
  unmatched_->method = "*";
  unmatched_->pattern = "unmatched";
  attach_metrics(*unmatched_);
}

void Router::attach_metrics(Route& route) {
  route.requests = &metrics_.counter("polyvox_http_requests_total",
                                     "HTTP requests by route and status", {"route", "status"});
  route.latency = &metrics_
                       .histogram("polyvox_http_request_duration_seconds",
                                  "HTTP request latency by route", {"route"})
                       .with({route.pattern});
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler,
                 Execution execution) {
  auto route = std::make_unique<Route>();
  route->method = method;
  route->pattern = pattern;
  route->handler = std::move(handler);
  route->execution = execution;
  route->segments = split_path(pattern);
  attach_metrics(*route);
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(HttpRequest& request) const {
  RouteMatch result;
  const auto segments = split_path(request.path);
  for (const auto& route : routes_) {
    if (route->segments.size() != segments.size()) continue;
    std::vector<std::pair<std::string, std::string>> params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& expected = route->segments[i];
      if (is_param(expected)) {
        params.emplace_back(expected.substr(1, expected.size() - 2), segments[i]);
      } else {
        matched = expected == segments[i];
      }
    }
    if (!matched) continue;
    result.path_known = true;
    result.allowed_methods.push_back(route->method);
    const bool method_ok =
        route->method == request.method || (route->method == "GET" && request.method == "HEAD");
    if (method_ok && !result.route) {
      result.route = route.get();
      request.path_params = std::move(params);
    }
  }
  return result;
}

}  // namespace polyvox
