#include "api/api_error.h"

#include <nlohmann/json.hpp>

namespace polyvox {

HttpResponse json_response(int status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
  return res;
}

std::string json_text(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse error_response(int status, const std::string& code, const std::string& message,
                            const std::string& field, const std::vector<ErrorDetail>& details) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  if (!details.empty()) {
    nlohmann::json listed = nlohmann::json::array();
    for (std::size_t i = 0; i < details.size() && i < kMaxErrorDetails; ++i) {
      listed.push_back({{"field", details[i].field}, {"message", details[i].message}});
    }
    error["details"] = std::move(listed);
  }
  HttpResponse res = json_response(status, json_text(nlohmann::json{{"error", error}}));
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
  return res;
}

HttpResponse error_response(const Error& error, const std::string& code_override,
                            const std::vector<ErrorDetail>& details) {
  int status = 500;
  std::string code = "INTERNAL";
  std::string message = error.message;
  switch (error.kind) {
    case ErrorKind::kInvalidInput:
      status = 400, code = "VALIDATION_ERROR";
      break;
    case ErrorKind::kUnknownProvider:
      status = 400, code = "UNKNOWN_PROVIDER";
      break;
    case ErrorKind::kUnknownVoice:
      status = 400, code = "UNKNOWN_VOICE";
      break;
    case ErrorKind::kUnauthenticated:
      status = 401, code = "INVALID_CREDENTIALS";
      break;
    case ErrorKind::kForbidden:
      status = 403, code = "UNAUTHORIZED_ACCESS";
      break;
    case ErrorKind::kNotFound:
      status = 404, code = "JOB_NOT_FOUND";
      break;
    case ErrorKind::kConflict:
      status = 400, code = "JOB_NOT_COMPLETE";
      break;
    case ErrorKind::kPayloadTooLarge:
      status = 413, code = "PAYLOAD_TOO_LARGE";
      break;
    case ErrorKind::kRateLimited:
      status = 429, code = "RATE_LIMITED";
      break;
    case ErrorKind::kQuotaExceeded:  // `field` names the quota
      status = 429, code = "QUOTA_EXCEEDED";
      break;
    case ErrorKind::kUnavailable:
      status = 503, code = "UNAVAILABLE";
      break;
    case ErrorKind::kSynthesisFailed:
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      // Internal details (paths, library messages) stay in the logs.
      message = "internal error";
      break;
  }
  if (!code_override.empty()) code = code_override;
  const bool about_input = error.kind == ErrorKind::kInvalidInput ||
                           error.kind == ErrorKind::kUnknownProvider ||
                           error.kind == ErrorKind::kUnknownVoice;
  HttpResponse res = error_response(status, code, message, error.field,
                                    about_input ? details : std::vector<ErrorDetail>{});
  if ((status == 429 || status == 503)) {
    res.set_header("Retry-After",
                   std::to_string(error.retry_after_s > 0 ? error.retry_after_s : 1));
  }
  return res;
}

}  // namespace polyvox
