#include "api/openai_error.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace polyvox {

HttpResponse openai_error_response(int status, const std::string& type, const std::string& message,
                                   const std::string& param, const std::string& code) {
  nlohmann::json error = {
      {"message", message},
      {"type", type},
      {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
      {"code", code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code)}};
  HttpResponse res = json_response(status, json_text(nlohmann::json{{"error", error}}));
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
  return res;
}

HttpResponse openai_error_response(const Error& error) {
  const std::string kInvalid = "invalid_request_error";
  HttpResponse res;
  switch (error.kind) {
    case ErrorKind::kInvalidInput:
      return openai_error_response(400, kInvalid, error.message, error.field);
    case ErrorKind::kNotFound:
      return openai_error_response(404, kInvalid, error.message, error.field,
                                   error.field == "model"   ? "model_not_found"
                                   : error.field == "voice" ? "voice_not_found"
                                                            : "not_found");
    case ErrorKind::kUnknownProvider:
    case ErrorKind::kUnknownVoice:
      return openai_error_response(404, kInvalid, error.message, "voice", "voice_not_found");
    case ErrorKind::kUnauthenticated:
      return openai_error_response(401, kInvalid, error.message, "", "invalid_api_key");
    case ErrorKind::kForbidden:
      return openai_error_response(403, kInvalid, error.message, "", "permission_denied");
    case ErrorKind::kPayloadTooLarge:
      return openai_error_response(413, kInvalid, error.message);
    case ErrorKind::kConflict:
      return openai_error_response(409, kInvalid, error.message);
    case ErrorKind::kRateLimited:
      res = openai_error_response(429, "requests", error.message, "", "rate_limit_exceeded");
      break;
    case ErrorKind::kQuotaExceeded:  // `field` names the quota, as on POST /tts
      res = openai_error_response(429, "insufficient_quota", error.message, error.field,
                                  "insufficient_quota");
      break;
    case ErrorKind::kUnavailable:
      res = openai_error_response(503, "server_error", error.message, "", "service_unavailable");
      break;
    case ErrorKind::kSynthesisFailed:
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      // Internal details (paths, library messages) stay in the logs.
      return openai_error_response(500, "server_error", "internal error");
  }
  res.set_header("Retry-After", std::to_string(error.retry_after_s > 0 ? error.retry_after_s : 1));
  return res;
}

}  // namespace polyvox
