// The one JSON error shape of the API and the one mapping from error kinds to HTTP statuses.
#include "api/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace polyvox {
namespace {

using nlohmann::json;

// The value of the first header `name` of `response`, or nullopt.
std::optional<std::string> header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

json error_of(const HttpResponse& response) {
  const json body = json::parse(response.body);
  EXPECT_EQ(body.size(), 1u) << "only \"error\" at the top: " << response.body;
  return body.at("error");
}

struct KindMapping {
  ErrorKind kind;
  int status;
  const char* code;
};

class ErrorMappingTest : public ::testing::TestWithParam<KindMapping> {};

TEST_P(ErrorMappingTest, KindHasItsStatusAndCode) {
  const KindMapping& m = GetParam();
  const HttpResponse res = error_response(Error{m.kind, "what went wrong", ""});
  EXPECT_EQ(res.status, m.status);
  EXPECT_EQ(error_of(res).at("code"), m.code);
  EXPECT_EQ(header(res, "Content-Type"), "application/json");
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, ErrorMappingTest,
    ::testing::Values(KindMapping{ErrorKind::kInvalidInput, 400, "VALIDATION_ERROR"},
                      KindMapping{ErrorKind::kUnknownProvider, 400, "UNKNOWN_PROVIDER"},
                      KindMapping{ErrorKind::kUnknownVoice, 400, "UNKNOWN_VOICE"},
                      KindMapping{ErrorKind::kUnauthenticated, 401, "INVALID_CREDENTIALS"},
                      KindMapping{ErrorKind::kForbidden, 403, "UNAUTHORIZED_ACCESS"},
                      KindMapping{ErrorKind::kNotFound, 404, "JOB_NOT_FOUND"},
                      KindMapping{ErrorKind::kConflict, 400, "JOB_NOT_COMPLETE"},
                      KindMapping{ErrorKind::kPayloadTooLarge, 413, "PAYLOAD_TOO_LARGE"},
                      KindMapping{ErrorKind::kRateLimited, 429, "RATE_LIMITED"},
                      KindMapping{ErrorKind::kUnavailable, 503, "UNAVAILABLE"},
                      KindMapping{ErrorKind::kSynthesisFailed, 500, "INTERNAL"},
                      KindMapping{ErrorKind::kIo, 500, "INTERNAL"},
                      KindMapping{ErrorKind::kInternal, 500, "INTERNAL"}));

TEST(ApiErrorTest, BodyCarriesCodeMessageAndField) {
  const HttpResponse res =
      error_response(invalid_input("blocks[3].wait_after_ms", "must be at most 60000"));
  EXPECT_EQ(json::parse(res.body), (json{{"error",
                                          {{"code", "VALIDATION_ERROR"},
                                           {"message", "must be at most 60000"},
                                           {"field", "blocks[3].wait_after_ms"}}}}));
}

TEST(ApiErrorTest, FieldIsOmittedWhenEmpty) {
  const json error = error_of(error_response(404, "NOT_FOUND", "no route for /x"));
  EXPECT_FALSE(error.contains("field"));
  EXPECT_EQ(error.at("message"), "no route for /x");
}

TEST(ApiErrorTest, UnauthenticatedAsksForABearerToken) {
  const HttpResponse res = error_response(Error{ErrorKind::kUnauthenticated, "Not authenticated"});
  EXPECT_EQ(header(res, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(header(error_response(401, "INVALID_CREDENTIALS", "no"), "WWW-Authenticate"), "Bearer");
}

TEST(ApiErrorTest, OnlyUnauthenticatedAsksForCredentials) {
  EXPECT_EQ(header(error_response(Error{ErrorKind::kForbidden, "no"}), "WWW-Authenticate"),
            std::nullopt);
  EXPECT_EQ(header(error_response(400, "VALIDATION_ERROR", "no"), "WWW-Authenticate"),
            std::nullopt);
}

TEST(ApiErrorTest, RateLimitedSaysWhenToRetry) {
  Error e{ErrorKind::kRateLimited, "too many failed logins", ""};
  e.retry_after_s = 42;
  EXPECT_EQ(header(error_response(e), "Retry-After"), "42");
}

TEST(ApiErrorTest, UnavailableSaysWhenToRetry) {
  Error e{ErrorKind::kUnavailable, "database busy", ""};
  e.retry_after_s = 7;
  EXPECT_EQ(header(error_response(e), "Retry-After"), "7");
}

TEST(ApiErrorTest, RetryAfterIsOneSecondWhenUnknown) {
  EXPECT_EQ(header(error_response(Error{ErrorKind::kRateLimited, "slow down"}), "Retry-After"),
            "1");
  EXPECT_EQ(header(error_response(Error{ErrorKind::kUnavailable, "down"}), "Retry-After"), "1");
}

TEST(ApiErrorTest, OtherStatusesHaveNoRetryAfter) {
  Error e{ErrorKind::kInvalidInput, "bad", ""};
  e.retry_after_s = 5;
  EXPECT_EQ(header(error_response(e), "Retry-After"), std::nullopt);
  EXPECT_EQ(header(error_response(Error{ErrorKind::kInternal, "bug"}), "Retry-After"),
            std::nullopt);
}

TEST(ApiErrorTest, InternalDetailsStayOutOfTheBody) {
  for (ErrorKind kind : {ErrorKind::kInternal, ErrorKind::kIo, ErrorKind::kSynthesisFailed}) {
    const HttpResponse res = error_response(Error{kind, "cannot open /var/lib/polyvox/secret", ""});
    EXPECT_EQ(error_of(res).at("message"), "internal error");
    EXPECT_EQ(res.body.find("/var/lib"), std::string::npos);
  }
}

TEST(ApiErrorTest, CodeOverrideKeepsTheStatus) {
  const HttpResponse res =
      error_response(Error{ErrorKind::kNotFound, "File not found", ""}, "FILE_NOT_FOUND");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(error_of(res).at("code"), "FILE_NOT_FOUND");
  EXPECT_EQ(error_of(res).at("message"), "File not found");
}

TEST(ApiErrorTest, MessageIsEscapedAsJson) {
  const HttpResponse res = error_response(400, "VALIDATION_ERROR", "say \"hi\"\n\\ <ok>");
  EXPECT_EQ(error_of(res).at("message"), "say \"hi\"\n\\ <ok>");
}

TEST(ApiErrorTest, JsonResponseHasStatusTypeAndBody) {
  const HttpResponse res = json_response(201, R"({"a":1})");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, R"({"a":1})");
  EXPECT_EQ(header(res, "Content-Type"), "application/json");
}

}  // namespace
}  // namespace polyvox
