// The error shape of the OpenAI-compatible /v1 routes, as OpenAI's API answers, so that its SDKs
// raise their own error classes: {"error": {"message", "type", "param", "code"}} with OpenAI's
// status codes. The rest of the API keeps api_error.h's shape.
#pragma once

#include <string>

#include "api/http_types.h"
#include "core/error.h"

namespace polyvox {

// A /v1 error response; `param` and `code` are null in the body when empty.
HttpResponse openai_error_response(int status, const std::string& type, const std::string& message,
                                   const std::string& param = "", const std::string& code = "");

// The /v1 response for an Error: kInvalidInput → 400 invalid_request_error (param: its field);
// kNotFound → 404 invalid_request_error with code model_not_found / voice_not_found by its field;
// kUnknownProvider / kUnknownVoice → 404 as a voice not found; kUnauthenticated → 401
// invalid_api_key (with WWW-Authenticate); kForbidden → 403 permission_denied;
// kPayloadTooLarge → 413; kRateLimited → 429 rate_limit_exceeded, kQuotaExceeded → 429
// insufficient_quota (param: the quota's name) and kUnavailable → 503 server_error, all three
// with Retry-After; anything else → 500 server_error whose message hides
// internal details.
HttpResponse openai_error_response(const Error& error);

}  // namespace polyvox
