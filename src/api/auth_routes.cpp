#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"

namespace polyvox {
namespace {

// POST /token: form-encoded username/password (OAuth2 password flow, as the seed); a JSON body
// with the same fields is accepted too.
HttpResponse issue_token(HttpRequest& request, ApiDeps& deps) {
  std::string username;
  std::string password;
  bool have_user = false;
  bool have_password = false;
  if (is_json_content(request)) {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object()) return error_response(400, "VALIDATION_ERROR", "malformed JSON body");
    if (auto u = body.find("username"); u != body.end() && u->is_string()) {
      username = *u, have_user = true;
    }
    if (auto p = body.find("password"); p != body.end() && p->is_string()) {
      password = *p, have_password = true;
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
      if (key == "username") username = std::move(value), have_user = true;
      if (key == "password") password = std::move(value), have_password = true;
    }
  }
  if (!have_user || username.empty()) {
    return error_response(400, "VALIDATION_ERROR", "is required", "username");
  }
  if (!have_password) return error_response(400, "VALIDATION_ERROR", "is required", "password");
  if (username.size() > 256 || password.size() > 1024) {
    return error_response(400, "VALIDATION_ERROR", "is too long",
                          username.size() > 256 ? "username" : "password");
  }
  auto token = deps.auth->login(username, password, request.remote_address);
  if (!token) return error_response(token.error());
  nlohmann::json body = {{"access_token", token->access_token},
                         {"token_type", "bearer"},
                         {"expires_in", token->expires_in_s}};
  HttpResponse res = json_response(200, json_text(body));
  res.set_header("Cache-Control", "no-store");
  return res;
}

}  // namespace

void register_auth_routes(Router& router, ApiDeps& deps) {
  // Password hashing takes tens of milliseconds: never on an I/O thread.
  router.add(
      "POST", "/token", [&deps](HttpRequest& r) { return issue_token(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
