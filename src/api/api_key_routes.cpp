// API keys: POST /api-keys makes one (its text shown in that answer only), GET /api-keys lists
// the caller's (admins: ?owner= a user's), DELETE /api-keys/{id} revokes one. Only a token from
// /token may manage keys (the auth model: a key may not make or revoke keys). Key texts never
// reach the log; their non-secret prefix does.
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/request_conversion.h"
#include "api/route_groups.h"
#include "core/error_list.h"
#include "core/json_input.h"
#include "core/rfc3339.h"
#include "log/log.h"

namespace polyvox {
namespace {

using nlohmann::json;

constexpr std::string_view kWhat = "API key management";

json time_or_null(int64_t epoch_ms) {
  return epoch_ms == 0 ? json(nullptr) : json(iso8601(epoch_ms));
}

// What a listing shows of a key: never its text or hash.
json key_view(const ApiKey& key, int64_t now_ms) {
  return json{{"id", key.id},
              {"name", key.name},
              {"prefix", key.prefix},
              {"created_at", iso8601(key.created_at_ms)},
              {"expires_at", time_or_null(key.expires_at_ms)},
              {"expired", key.expires_at_ms != 0 && key.expires_at_ms <= now_ms},
              {"last_used_at", time_or_null(key.last_used_at_ms)}};
}

// When the key asked for by `body` expires (0: never): from "expires_at" (RFC 3339, or null) or
// "expires_in_days" (a whole number), not both.
Result<int64_t> requested_expiry(const InputJson& body, int64_t now_ms) {
  const auto at = body.find("expires_at");
  const auto in_days = body.find("expires_in_days");
  const bool has_at = at != body.end() && !at->is_null();
  const bool has_days = in_days != body.end() && !in_days->is_null();
  if (has_at && has_days) {
    return invalid_input("expires_in_days", "give expires_at or expires_in_days, not both");
  }
  if (has_at) {
    const auto parsed =
        at->is_string() ? parse_rfc3339_ms(at->get<std::string>()) : std::optional<int64_t>();
    if (!parsed) {
      return invalid_input("expires_at",
                           "must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z");
    }
    // Here, not only in the service: its 0 means "never", and the epoch parses to 0.
    if (*parsed <= now_ms) return invalid_input("expires_at", "must be in the future");
    return *parsed;
  }
  if (has_days) {
    if (!in_days->is_number_integer()) {
      return invalid_input("expires_in_days", "must be a whole number of days");
    }
    // Beyond int64: refused by the range check as any other out-of-range count.
    const int64_t days = in_days->is_number_unsigned() && in_days->get<uint64_t>() > INT64_MAX
                             ? INT64_MAX
                             : in_days->get<int64_t>();
    return api_key_expiry_in_days(days, now_ms, "expires_in_days");
  }
  return int64_t{0};
}

// POST /api-keys {"name", "expires_at" | "expires_in_days"}
HttpResponse create(HttpRequest& request, ApiDeps& deps) {
  auto user = require_token_user(request, deps, kWhat);
  if (!user) return error_response(user.error());
  if (!is_json_content(request)) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "send the key's name as application/json");
  }
  std::vector<ErrorDetail> details;
  auto parsed = parse_json_input(request.body, &details);
  if (!parsed) return error_response(parsed.error(), "", details);
  const InputJson& body = *parsed;
  if (!body.is_object()) {
    return error_response(400, "VALIDATION_ERROR", "the body must be a JSON object");
  }
  // Every problem of the body at once (core/error_list.h).
  ErrorList problems;
  for (const auto& [field, value] : body.items()) {
    if (field != "name" && field != "expires_at" && field != "expires_in_days") {
      problems.add(invalid_input(printable(field), "unknown field"));
    }
  }
  const auto name = body.find("name");
  if (name == body.end()) {
    problems.add(invalid_input("name", "is required"));
  } else if (!name->is_string()) {
    problems.add(invalid_input("name", "must be a string"));
  }
  const int64_t now = deps.clock->now_ms();
  auto expires_at = requested_expiry(body, now);
  if (!expires_at) problems.add(expires_at.error());
  if (!problems.empty()) return error_response(problems.first(), "", problems.details());
  auto issued = deps.api_keys->create(user->id, name->get<std::string>(), *expires_at);
  if (!issued) {
    if (issued.error().kind == ErrorKind::kConflict) {
      return error_response(409, "TOO_MANY_API_KEYS", issued.error().message);
    }
    return error_response(issued.error());
  }
  const ApiKey& key = issued->record;
  log::info("API key created", {{"request_id", request.request_id},
                                {"user", user->name},
                                {"key_id", key.id},
                                {"prefix", key.prefix}});
  json view = key_view(key, now);
  view["key"] = issued->key;
  HttpResponse res = json_response(201, json_text(view));
  res.set_header("Cache-Control", "no-store");
  return res;
}

// GET /api-keys[?owner=]
HttpResponse list(HttpRequest& request, ApiDeps& deps) {
  auto user = require_token_user(request, deps, kWhat);
  if (!user) return error_response(user.error());
  std::string owner_id = user->id;
  const std::string owner = request.query_param("owner").value_or("");
  if (!owner.empty() && owner != user->id && owner != user->name) {
    if (!user->admin) {
      return error_response(403, "UNAUTHORIZED_ACCESS",
                            "only administrators may list another user's API keys");
    }
    auto named = user_id_for_owner(owner, deps);
    if (!named) return error_response(named.error());
    owner_id = *named;
  }
  auto keys = deps.api_keys->list(owner_id);
  if (!keys) return error_response(keys.error());
  const int64_t now = deps.clock->now_ms();
  json views = json::array();
  for (const ApiKey& key : *keys) views.push_back(key_view(key, now));
  HttpResponse res = json_response(200, json_text(json{{"keys", std::move(views)}}));
  res.set_header("Cache-Control", "no-store");
  return res;
}

// DELETE /api-keys/{id}: the caller's own key (admins: anyone's).
HttpResponse revoke(HttpRequest& request, ApiDeps& deps) {
  auto user = require_token_user(request, deps, kWhat);
  if (!user) return error_response(user.error());
  const std::string id = request.param("id");
  Status revoked = deps.api_keys->revoke(id, user->admin ? "" : user->id);
  if (!revoked) {
    if (revoked.error().kind == ErrorKind::kNotFound) {
      return error_response(404, "API_KEY_NOT_FOUND", "API key not found");
    }
    return error_response(revoked.error());
  }
  log::info("API key revoked",
            {{"request_id", request.request_id}, {"user", user->name}, {"key_id", id}});
  return json_response(200, json_text(json{{"id", id}, {"revoked", true}}));
}

}  // namespace

void register_api_key_routes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/api-keys", [&deps](HttpRequest& r) { return create(r, deps); },
      Execution::kBlocking);
  router.add(
      "GET", "/api-keys", [&deps](HttpRequest& r) { return list(r, deps); }, Execution::kBlocking);
  router.add(
      "DELETE", "/api-keys/{id}", [&deps](HttpRequest& r) { return revoke(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
