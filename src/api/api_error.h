// The one JSON error shape of the API, {"error": {"code", "message", "field", "details"}}, and the
// one mapping from error kinds to HTTP statuses and codes.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "core/error.h"
#include "core/error_list.h"  // ErrorDetail, kMaxErrorDetails

namespace polyvox {

// A JSON error response. `field` is omitted from the body when empty; `details`, when not
// empty, become "details": [{"field", "message"}] (at most kMaxErrorDetails).
HttpResponse error_response(int status, const std::string& code, const std::string& message,
                            const std::string& field = "",
                            const std::vector<ErrorDetail>& details = {});

// The response for an Error: status and code chosen by its kind (kInvalidInput → 400
// VALIDATION_ERROR, kUnknownProvider → 400 UNKNOWN_PROVIDER, kUnknownVoice → 400 UNKNOWN_VOICE,
// kUnauthenticated → 401 with WWW-Authenticate, kForbidden → 403 UNAUTHORIZED_ACCESS,
// kNotFound → 404 JOB_NOT_FOUND, kConflict → 400 JOB_NOT_COMPLETE, kPayloadTooLarge → 413,
// kRateLimited → 429 with Retry-After, kUnavailable → 503 with Retry-After, else 500 INTERNAL).
// `code_override` replaces the default code (e.g. FILE_NOT_FOUND for a missing file).
// `details`, every problem of the input (core/error_list.h), are listed for the three 400
// kinds about input.
HttpResponse error_response(const Error& error, const std::string& code_override = "",
                            const std::vector<ErrorDetail>& details = {});

// A JSON response with the given status; `body` is the JSON text.
HttpResponse json_response(int status, std::string body);

// The text of a JSON document. Invalid UTF-8 in its strings (a path, a vendor's message) is
// replaced by U+FFFD, never thrown on: every JSON the API writes goes through here or JsonWriter.
std::string json_text(const nlohmann::json& document);

}  // namespace polyvox
