#include "api/handler_support.h"

#include <optional>

#include "api/api_error.h"
#include "auth/secret_compare.h"
#include "core/ids.h"

namespace polyvox {

namespace {

Error not_authenticated() { return Error{ErrorKind::kUnauthenticated, "Not authenticated", ""}; }

// The token of an "Authorization: Bearer <token>" header (scheme in any case), or nullopt.
std::optional<std::string> bearer_token(const HttpRequest& request) {
  const std::string_view header = request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (header.size() <= kBearer.size()) return std::nullopt;
  std::string scheme(header.substr(0, kBearer.size()));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != kBearer) return std::nullopt;
  return std::string(header.substr(kBearer.size()));
}

}  // namespace

std::optional<std::string> cookie_value(const HttpRequest& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (header != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t end = std::min(rest.find(';'), rest.size());
      std::string_view pair = rest.substr(0, end);
      rest.remove_prefix(std::min(end + 1, rest.size()));
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const std::size_t equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
        return std::string(pair.substr(equals + 1));
      }
    }
  }
  return std::nullopt;
}

Result<User> require_user(const HttpRequest& request, ApiDeps& deps) {
  if (const auto token = bearer_token(request)) return deps.auth->authenticate(*token);
  const auto secret = deps.sessions ? cookie_value(request, kSessionCookie) : std::nullopt;
  if (!secret) return not_authenticated();
  auto grant = deps.sessions->authenticate(*secret);
  if (!grant) return grant.take_error();
  if (request.method != "GET" && request.method != "HEAD" &&
      !secrets_equal(request.header("x-csrf-token"), grant->csrf_token)) {
    return Error{ErrorKind::kForbidden,
                 "missing or wrong CSRF token: a request authenticated by the session cookie "
                 "must send the X-CSRF-Token header that POST /session and GET /session give",
                 ""};
  }
  return std::move(grant->user);
}

CredentialKind credential_kind(const HttpRequest& request) {
  const auto token = bearer_token(request);
  if (!token) {
    return cookie_value(request, kSessionCookie) ? CredentialKind::kSession : CredentialKind::kNone;
  }
  return token->starts_with("pvx_") ? CredentialKind::kApiKey : CredentialKind::kJwt;
}

Result<User> require_token_user(const HttpRequest& request, ApiDeps& deps, std::string_view what) {
  if (credential_kind(request) == CredentialKind::kApiKey) {
    return Error{ErrorKind::kForbidden,
                 std::string(what) + " needs a token from /token; API keys may not use it", ""};
  }
  return require_user(request, deps);
}

Result<std::string> user_id_for_owner(const std::string& owner, ApiDeps& deps) {
  auto named = deps.users->find_user(owner);
  if (!named) return named.take_error();
  return named->has_value() ? (*named)->id : owner;
}

Status require_metrics_access(const HttpRequest& request, ApiDeps& deps) {
  const std::string& expected = deps.settings.metrics_token;
  if (expected.empty()) return Status::success();
  const auto token = bearer_token(request);
  if (!token) return not_authenticated();
  if (secrets_equal(*token, expected)) return Status::success();
  auto user = deps.auth->authenticate(*token);
  if (!user) return user.take_error();
  if (!user->admin) {
    return Error{ErrorKind::kForbidden, "/metrics needs METRICS_TOKEN or an admin's token", ""};
  }
  return Status::success();
}

NewJob new_job_for(const User& user, JobSpec spec, const ApiDeps& deps) {
  NewJob job{new_uuid4(), user.id, std::move(spec), user.name, ""};
  job.quota = effective_quotas(user.admin, user.quotas, deps.settings.quotas);
  return job;
}

namespace {

// `job` (as read) if `user` may see it: kNotFound / kForbidden otherwise.
Result<JobRecord> visible_job(Result<JobRecord> job, const User& user) {
  if (!job) {
    if (job.error().kind == ErrorKind::kNotFound) {
      return Error{ErrorKind::kNotFound, "Job not found", ""};
    }
    return job.take_error();
  }
  if (job->owner != user.id && !user.admin) {
    return Error{ErrorKind::kForbidden, "You do not have access to this job", ""};
  }
  return job;
}

}  // namespace

Result<JobRecord> job_for(const std::string& id, const User& user, bool with_blocks,
                          ApiDeps& deps) {
  return visible_job(deps.jobs->get_job(id, with_blocks), user);
}

Result<JobRecord> job_progress_for(const std::string& id, const User& user, ApiDeps& deps) {
  return visible_job(deps.jobs->get_job_progress(id), user);
}

std::optional<HttpResponse> unless_completed(const JobRecord& job) {
  if (job.status == JobStatus::kCompleted && job.result) return std::nullopt;
  return error_response(
      400, "JOB_NOT_COMPLETE",
      std::string("Job is not complete (status: ") + job_status_name(job.status) + ")");
}

std::string base_url(const HttpRequest& request, const ApiDeps& deps) {
  if (!deps.settings.public_base_url.empty()) return deps.settings.public_base_url;
  std::string host(request.header("host"));
  const bool safe = !host.empty() && host.size() < 256 &&
                    host.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-:[]") == std::string::npos;
  return "http://" + (safe ? host : std::string("localhost"));
}

bool is_json_content(const HttpRequest& request) {
  std::string type(request.header("content-type"));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto semicolon = type.find(';');
  std::string media = type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.pop_back();
  return media == "application/json" ||
         (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

}  // namespace polyvox
