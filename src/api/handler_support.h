// Helpers shared by the route handlers: authentication, ownership, URLs, time formatting.
#pragma once

#include <string>

#include "api/api_deps.h"
#include "api/http_types.h"
#include "core/error.h"
#include "jobs/job_record.h"

namespace polyvox {

// The user behind the request's bearer token; kUnauthenticated without a valid one.
Result<User> require_user(const HttpRequest& request, ApiDeps& deps);

// The kinds of credential a request can present (the auth model in README.md says which routes
// accept which). API keys ("pvx_...") are recognized by their form so that the routes they may
// not use refuse them already; they do not authenticate anywhere yet.
enum class CredentialKind { kNone, kJwt, kApiKey };
CredentialKind credential_kind(const HttpRequest& request);

// As require_user, for the routes only a token from /token may use (the webhook secret, and key
// management later): kForbidden for any other credential, saying that `what` needs a token
// from /token.
Result<User> require_token_user(const HttpRequest& request, ApiDeps& deps, std::string_view what);

// OK when the request may read /metrics: always when METRICS_TOKEN is unset; else with that
// token as its bearer token (compared in constant time) or an admin's JWT. kUnauthenticated
// without either, kForbidden for another user's JWT.
Status require_metrics_access(const HttpRequest& request, ApiDeps& deps);

// The job if `user` may see it (its owner, by user id, or an admin): kNotFound / kForbidden
// otherwise.
Result<JobRecord> job_for(const std::string& id, const User& user, bool with_blocks, ApiDeps& deps);

// Absolute base URL for links in responses: PUBLIC_BASE_URL, else from the Host header.
std::string base_url(const HttpRequest& request, const ApiDeps& deps);

// "2026-11-25T15:04:05.123Z".
std::string iso8601(int64_t epoch_ms);

// The body as JSON when the request says it is JSON (415 otherwise, 400 when malformed).
bool is_json_content(const HttpRequest& request);

}  // namespace polyvox
