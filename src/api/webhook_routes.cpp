// The caller's webhook secret: GET /webhook-secret shows it (made on first use), POST
// /webhook-secret/rotate replaces it. Only a token from /token may see it (the auth model: API
// keys may not). Never logged.
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "log/log.h"
#include "webhooks/webhook_signature.h"

namespace polyvox {
namespace {

constexpr std::string_view kWhat = "the webhook secret";

HttpResponse secret_response(const std::string& secret) {
  HttpResponse res = json_response(
      200, json_text(nlohmann::json{{"secret", secret},
                                    {"signature_scheme", "Standard Webhooks v1 (HMAC-SHA256)"}}));
  res.set_header("Cache-Control", "no-store");
  return res;
}

// GET /webhook-secret
HttpResponse show(HttpRequest& request, ApiDeps& deps) {
  auto user = require_token_user(request, deps, kWhat);
  if (!user) return error_response(user.error());
  auto secret = deps.users->webhook_secret(user->id, new_webhook_secret());
  if (!secret) return error_response(secret.error());
  return secret_response(*secret);
}

// POST /webhook-secret/rotate
HttpResponse rotate(HttpRequest& request, ApiDeps& deps) {
  auto user = require_token_user(request, deps, kWhat);
  if (!user) return error_response(user.error());
  const std::string secret = new_webhook_secret();
  if (Status s = deps.users->replace_webhook_secret(user->id, secret); !s) {
    return error_response(s.error());
  }
  log::info("webhook secret rotated", {{"request_id", request.request_id}, {"user", user->name}});
  return secret_response(secret);
}

}  // namespace

void register_webhook_routes(Router& router, ApiDeps& deps) {
  router.add(
      "GET", "/webhook-secret", [&deps](HttpRequest& r) { return show(r, deps); },
      Execution::kBlocking);
  router.add(
      "POST", "/webhook-secret/rotate", [&deps](HttpRequest& r) { return rotate(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
