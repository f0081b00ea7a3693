#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "providers/voice_scripts.h"

namespace polyvox {
namespace {

using nlohmann::json;

HttpResponse health(HttpRequest&) { return json_response(200, R"({"status":"ok"})"); }

// GET /ready: the database and the blob store are usable.
HttpResponse ready(HttpRequest&, ApiDeps& deps) {
  const bool database = deps.jobs->ping();
  const bool storage = deps.blobs->ping();
  const bool ok = database && storage;
  json body = {
      {"status", ok ? "ready" : "unavailable"},
      {"checks",
       {{"database", database ? "ok" : "failing"}, {"storage", storage ? "ok" : "failing"}}}};
  HttpResponse res = json_response(ok ? 200 : 503, json_text(body));
  if (!ok) res.set_header("Retry-After", "5");
  return res;
}

HttpResponse metrics(HttpRequest& request, ApiDeps& deps) {
  if (!deps.settings.metrics_enabled) {
    return error_response(404, "NOT_FOUND", "metrics are disabled (METRICS_ENABLED=false)");
  }
  if (Status allowed = require_metrics_access(request, deps); !allowed) {
    return error_response(allowed.error());
  }
  HttpResponse res;
  res.body = deps.metrics->render();
  res.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return res;
}

// GET /tts/providers: the seed's list of usable names; ?verbose=true adds every configured
// provider with its availability and the reason when unavailable, and its concurrency (the
// configured ceiling, the live limit adapted to the vendor's rate limits, the calls in flight).
HttpResponse providers(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  const auto verbose = request.query_param("verbose");
  if (!verbose || *verbose == "false" || *verbose == "0") {
    return json_response(200, json_text(json(deps.providers->usable_providers())));
  }
  json list = json::array();
  for (const auto& name : deps.providers->all_providers()) {
    const std::string reason = deps.providers->unusable_reason(name);
    json entry = {{"name", name},
                  {"kind", deps.providers->kind_of(name)},
                  {"available", reason.empty()},
                  {"reason", reason.empty() ? json(nullptr) : json(reason)}};
    const Provider* provider = deps.providers->find(name);
    if (auto c = provider ? provider->concurrency() : std::nullopt) {
      // 0: unlimited (the local engines serialize by themselves).
      entry["concurrency"] = {
          {"ceiling", c->ceiling}, {"limit", c->limit}, {"in_flight", c->in_flight}};
    }
    list.push_back(std::move(entry));
  }
  return json_response(200, json_text(list));
}

// GET /tts/voices/{provider}
HttpResponse voices(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  const std::string& name = request.param("provider");
  Provider* provider = deps.providers->find(name);
  if (!provider) {
    std::string available;
    for (const auto& n : deps.providers->usable_providers()) {
      available += (available.empty() ? "" : ", ") + n;
    }
    return error_response(404, "UNKNOWN_PROVIDER",
                          "provider '" + name + "' cannot be used (" +
                              deps.providers->unusable_reason(name) +
                              "); available providers: " + available);
  }
  // Live from the vendor where it has a voices API (cached by the provider; the built-in table
  // when the vendor cannot be reached): this route runs on the blocking pool.
  json list = json::array();
  const std::string kind = deps.providers->kind_of(name);
  for (const auto& v : provider->live_voices()) {
    const auto scripts = voice_scripts_of(v, kind);
    list.push_back({{"name", v.name},
                    {"voice_id", v.voice_id},
                    {"language", v.language.empty() ? json(nullptr) : json(v.language)},
                    {"gender", v.gender.empty() ? json(nullptr) : json(v.gender)},
                    // The scripts it reads; "any" for a multilingual vendor voice.
                    {"scripts", scripts.empty() ? json("any") : json(scripts)}});
  }
  return json_response(200, json_text(list));
}

}  // namespace

void register_meta_routes(Router& router, ApiDeps& deps) {
  router.add("GET", "/health", health);
  // Blocking: the blob store's ping may be a request to S3.
  router.add(
      "GET", "/ready", [&deps](HttpRequest& r) { return ready(r, deps); }, Execution::kBlocking);
  router.add(
      "GET", "/metrics", [&deps](HttpRequest& r) { return metrics(r, deps); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/tts/providers", [&deps](HttpRequest& r) { return providers(r, deps); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/tts/voices/{provider}", [&deps](HttpRequest& r) { return voices(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
