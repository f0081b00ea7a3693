// Helpers shared by the route handlers: authentication, ownership, URLs, time formatting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/api_deps.h"
#include "api/http_types.h"
#include "core/error.h"
#include "core/rfc3339.h"  // iso8601(), for the handlers
#include "jobs/job_record.h"

namespace polyvox {

// The user behind the request's credential: its bearer credential (a JWT from /token or an API
// key) or, without one, the studio session in its cookie (kSessionCookie). kUnauthenticated
// without a valid one; kForbidden when the session cookie authenticates a request whose method
// may change something (all but GET and HEAD) and the X-CSRF-Token header is not the session's.
Result<User> require_user(const HttpRequest& request, ApiDeps& deps);

// The cookie that carries a studio session's secret.
inline constexpr std::string_view kSessionCookie = "polyvox_session";

// The value of the cookie called `name` in the request's Cookie headers, or nullopt.
std::optional<std::string> cookie_value(const HttpRequest& request, std::string_view name);

// The kinds of credential a request can present (the auth model in README.md says which routes
// accept which). API keys ("pvx_...") are told apart by their form, before any lookup; a
// session only counts when no bearer credential is given.
enum class CredentialKind { kNone, kJwt, kApiKey, kSession };
CredentialKind credential_kind(const HttpRequest& request);

// As require_user, for the routes only a token from /token may use (API key management and the
// webhook secret: a leaked key must not mint more keys or read the secret): kForbidden for an
// API key, saying that `what` needs a token from /token.
Result<User> require_token_user(const HttpRequest& request, ApiDeps& deps, std::string_view what);

// The id of the user called `owner`, else `owner` itself taken as an id (a removed user's, or
// one given as an id): what ?owner= names on the routes where admins may pick a user.
Result<std::string> user_id_for_owner(const std::string& owner, ApiDeps& deps);

// OK when the request may read /metrics: always when METRICS_TOKEN is unset; else with that
// token as its bearer token (compared in constant time) or an admin's JWT. kUnauthenticated
// without either, kForbidden for another user's JWT.
Status require_metrics_access(const HttpRequest& request, ApiDeps& deps);

// The job if `user` may see it (its owner, by user id, or an admin): kNotFound / kForbidden
// otherwise.
Result<JobRecord> job_for(const std::string& id, const User& user, bool with_blocks, ApiDeps& deps);

// job_for() with only what progress needs of each block (JobStore::get_job_progress): what
// GET /status, the most polled route, reads.
Result<JobRecord> job_progress_for(const std::string& id, const User& user, ApiDeps& deps);

// A new job of `user`'s, with a fresh id, under the quotas that apply to them (core/quota.h
// effective_quotas: their overrides, else the deployment's; none for an admin). Every route that
// stores a job makes it here, so that each is counted in and refused by the same quotas.
NewJob new_job_for(const User& user, JobSpec spec, const ApiDeps& deps);

// A 400 JOB_NOT_COMPLETE response naming the job's status unless `job` is completed with a
// final file; nullopt when it is.
std::optional<HttpResponse> unless_completed(const JobRecord& job);

// Absolute base URL for links in responses: PUBLIC_BASE_URL, else from the Host header.
std::string base_url(const HttpRequest& request, const ApiDeps& deps);

// The body as JSON when the request says it is JSON (415 otherwise, 400 when malformed).
bool is_json_content(const HttpRequest& request);

}  // namespace polyvox
