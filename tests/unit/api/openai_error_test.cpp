#include "api/openai_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace polyvox {
namespace {

nlohmann::json body_of(const HttpResponse& res) { return nlohmann::json::parse(res.body); }

std::string header(const HttpResponse& res, const std::string& name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(OpenAiErrorTest, InvalidInputIs400NamingTheParam) {
  auto res = openai_error_response(invalid_input("speed", "must be between 0.25 and 4.0"));
  EXPECT_EQ(res.status, 400);
  auto e = body_of(res)["error"];
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_EQ(e["param"], "speed");
  EXPECT_TRUE(e["code"].is_null());
  EXPECT_EQ(e["message"], "must be between 0.25 and 4.0");
}

TEST(OpenAiErrorTest, MissingModelAndVoiceAre404WithTheirCodes) {
  auto model = openai_error_response(Error{ErrorKind::kNotFound, "no such model", "model"});
  EXPECT_EQ(model.status, 404);
  EXPECT_EQ(body_of(model)["error"]["code"], "model_not_found");
  auto voice = openai_error_response(Error{ErrorKind::kNotFound, "no such voice", "voice"});
  EXPECT_EQ(body_of(voice)["error"]["code"], "voice_not_found");
}

TEST(OpenAiErrorTest, AuthAndRateLimitsCarryTheirHeaders) {
  auto unauth = openai_error_response(Error{ErrorKind::kUnauthenticated, "bad key", ""});
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(header(unauth, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(body_of(unauth)["error"]["code"], "invalid_api_key");
  Error slow{ErrorKind::kRateLimited, "slow down", ""};
  slow.retry_after_s = 7;
  auto limited = openai_error_response(slow);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(header(limited, "Retry-After"), "7");
}

TEST(OpenAiErrorTest, AQuotaIsNamedWithItsRetryAfter) {
  Error quota{ErrorKind::kQuotaExceeded, "quota max_queued_jobs exceeded", "max_queued_jobs"};
  quota.retry_after_s = 30;
  auto res = openai_error_response(quota);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(header(res, "Retry-After"), "30");
  EXPECT_EQ(body_of(res)["error"]["type"], "insufficient_quota");
  EXPECT_EQ(body_of(res)["error"]["code"], "insufficient_quota");
  EXPECT_EQ(body_of(res)["error"]["param"], "max_queued_jobs");
  EXPECT_EQ(body_of(res)["error"]["message"], "quota max_queued_jobs exceeded");
}

TEST(OpenAiErrorTest, InternalErrorsHideTheirDetails) {
  auto res = openai_error_response(Error{ErrorKind::kIo, "/var/secret/path: EIO", ""});
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(body_of(res)["error"]["type"], "server_error");
  EXPECT_EQ(res.body.find("/var/secret"), std::string::npos);
}

}  // namespace
}  // namespace polyvox
