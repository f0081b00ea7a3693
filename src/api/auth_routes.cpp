// Signing in: POST /token (a JWT for API clients) and the studio's session (POST, GET and
// DELETE /session: an HttpOnly cookie for the browser, with its CSRF token in the body).
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "core/json_input.h"

namespace polyvox {
namespace {

struct Credentials {
  std::string username;
  std::string password;
};

// The username and password of a sign-in request: form-encoded (OAuth2 password flow, as the
// seed) or a JSON body with the same fields. An error response when they are missing or bad.
std::variant<Credentials, HttpResponse> read_credentials(const HttpRequest& request) {
  Credentials credentials;
  bool have_user = false;
  bool have_password = false;
  if (is_json_content(request)) {
    auto parsed = parse_json_input(request.body);
    if (!parsed) return error_response(parsed.error());
    const InputJson& body = *parsed;
    if (!body.is_object()) {
      return error_response(400, "VALIDATION_ERROR", "the body must be a JSON object");
    }
    if (auto u = body.find("username"); u != body.end() && u->is_string()) {
      credentials.username = *u, have_user = true;
    }
    if (auto p = body.find("password"); p != body.end() && p->is_string()) {
      credentials.password = *p, have_password = true;
    }
  } else {
    std::string type(request.header("content-type"));
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                            "send username and password as application/x-www-form-urlencoded");
    }
    auto form = parse_form(request.body);
    if (!form) return error_response(400, "VALIDATION_ERROR", "malformed form body");
    for (auto& [key, value] : *form) {
      if (key == "username") credentials.username = std::move(value), have_user = true;
      if (key == "password") credentials.password = std::move(value), have_password = true;
    }
  }
  if (!have_user || credentials.username.empty()) {
    return error_response(400, "VALIDATION_ERROR", "is required", "username");
  }
  if (!have_password) return error_response(400, "VALIDATION_ERROR", "is required", "password");
  if (credentials.username.size() > 256 || credentials.password.size() > 1024) {
    return error_response(400, "VALIDATION_ERROR", "is too long",
                          credentials.username.size() > 256 ? "username" : "password");
  }
  return credentials;
}

HttpResponse no_store(HttpResponse res) {
  res.set_header("Cache-Control", "no-store");
  return res;
}

HttpResponse issue_token(HttpRequest& request, ApiDeps& deps) {
  auto read = read_credentials(request);
  if (auto* refused = std::get_if<HttpResponse>(&read)) return std::move(*refused);
  const auto& credentials = std::get<Credentials>(read);
  auto token = deps.auth->login(credentials.username, credentials.password, request.remote_address);
  if (!token) return error_response(token.error());
  nlohmann::json body = {{"access_token", token->access_token},
                         {"token_type", "bearer"},
                         {"expires_in", token->expires_in_s}};
  return no_store(json_response(200, json_text(body)));
}

// Secure when the studio is reached over TLS: PUBLIC_BASE_URL says https, or the proxy in front
// says the request came over https (X-Forwarded-Proto). A browser never sends a Secure cookie
// over plain HTTP, so a client that lies about it only loses its own session.
bool over_tls(const HttpRequest& request, const ApiDeps& deps) {
  return deps.settings.public_base_url.starts_with("https://") ||
         request.header("x-forwarded-proto") == "https";
}

std::string session_cookie(const HttpRequest& request, const ApiDeps& deps,
                           const std::string& value, int64_t max_age_s) {
  std::string cookie = std::string(kSessionCookie) + "=" + value +
                       "; Path=/; Max-Age=" + std::to_string(max_age_s) +
                       "; HttpOnly; SameSite=Strict";
  if (over_tls(request, deps)) cookie += "; Secure";
  return cookie;
}

HttpResponse session_body(const SessionGrant& grant) {
  nlohmann::json body = {
      {"user", {{"id", grant.user.id}, {"name", grant.user.name}, {"admin", grant.user.admin}}},
      {"csrf_token", grant.csrf_token},
      {"expires_at", iso8601(grant.expires_at_ms)}};
  return no_store(json_response(200, json_text(body)));
}

// POST /session: signs in (throttled as /token) and sets the session cookie. JSON only: a page
// of another site can post a form here (and sign the browser in as someone else: login CSRF),
// but not JSON, which a browser sends across origins only after a CORS preflight this server
// never grants.
HttpResponse begin_session(HttpRequest& request, ApiDeps& deps) {
  if (!is_json_content(request)) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                          "send username and password as application/json");
  }
  auto read = read_credentials(request);
  if (auto* refused = std::get_if<HttpResponse>(&read)) return std::move(*refused);
  const auto& credentials = std::get<Credentials>(read);
  auto user = deps.auth->check_credentials(credentials.username, credentials.password,
                                           request.remote_address);
  if (!user) return error_response(user.error());
  auto issued = deps.sessions->begin(*user);
  if (!issued) return error_response(issued.error());
  // Rounded up: the session was begun a moment ago, its lifetime is whole seconds.
  const int64_t max_age_s = (issued->grant.expires_at_ms - deps.clock->now_ms() + 999) / 1000;
  HttpResponse res = session_body(issued->grant);
  res.set_header("Set-Cookie", session_cookie(request, deps, issued->secret, max_age_s));
  return res;
}

// GET /session: who the session cookie speaks for, and its CSRF token (a page reloaded has
// lost the one POST /session gave).
HttpResponse show_session(HttpRequest& request, ApiDeps& deps) {
  const auto secret = cookie_value(request, kSessionCookie);
  if (!secret) return error_response(401, "UNAUTHENTICATED", "Not signed in");
  auto grant = deps.sessions->authenticate(*secret);
  if (!grant) return error_response(grant.error());
  return session_body(*grant);
}

// DELETE /session: signs out (the session is refused everywhere from now on) and clears the
// cookie. A valid session needs its CSRF token here too (a page of another site must not sign
// the user out); without a valid session there is nothing to end and the answer is 204 alike.
HttpResponse end_session(HttpRequest& request, ApiDeps& deps) {
  const auto secret = cookie_value(request, kSessionCookie);
  if (secret) {
    auto grant = deps.sessions->authenticate(*secret);
    if (grant) {
      if (auto user = require_user(request, deps); !user) return error_response(user.error());
      if (Status s = deps.sessions->end(*secret); !s) return error_response(s.error());
    } else if (grant.error().kind != ErrorKind::kUnauthenticated) {
      // The store could not say (Redis down): the session may still be valid, so this is no
      // sign-out; telling the user it was would leave a copy of the cookie usable for hours.
      return error_response(grant.error());
    }
  }
  HttpResponse res;
  res.status = 204;
  res.set_header("Set-Cookie", session_cookie(request, deps, "", 0));
  return no_store(std::move(res));
}

// Runs a /session handler when this process has sessions (ApiDeps::sessions); 503 otherwise.
HttpResponse with_sessions(HttpRequest& request, ApiDeps& deps,
                           HttpResponse (*handler)(HttpRequest&, ApiDeps&)) {
  if (deps.sessions == nullptr) {
    return error_response(
        Error{ErrorKind::kUnavailable, "studio sessions are not available on this node", ""});
  }
  return handler(request, deps);
}

}  // namespace

void register_auth_routes(Router& router, ApiDeps& deps) {
  // Password hashing takes tens of milliseconds, and sessions are read from the store: never on
  // an I/O thread.
  router.add(
      "POST", "/token", [&deps](HttpRequest& r) { return issue_token(r, deps); },
      Execution::kBlocking);
  router.add(
      "POST", "/session", [&deps](HttpRequest& r) { return with_sessions(r, deps, begin_session); },
      Execution::kBlocking);
  router.add(
      "GET", "/session", [&deps](HttpRequest& r) { return with_sessions(r, deps, show_session); },
      Execution::kBlocking);
  router.add(
      "DELETE", "/session", [&deps](HttpRequest& r) { return with_sessions(r, deps, end_session); },
      Execution::kBlocking);
}

}  // namespace polyvox
