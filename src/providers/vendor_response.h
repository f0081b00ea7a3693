// How the cloud providers read a vendor's answer: which errors are worth retrying (the Provider
// contract's kRateLimited / kUnavailable / kSynthesisFailed), the vendor's own message from
// whichever error shape it uses, and whether a 200 really carries audio. Shared by every HTTP
// provider so that they classify alike (docs/providers.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/http_client.h"
#include "providers/provider_settings.h"

namespace polyvox {

// The vendor's code and message from an error body: {"detail": {"status", "message"}},
// {"detail": [{"loc", "msg", "type"}]}, {"detail": "..."}, {"error": {"message", "code",
// "type"}}, {"error": "..."}, {"message", "code"}, or plain text (shortened).
struct VendorError {
  std::string code;  // "quota_exceeded", "rate_limit_exceeded", ... or ""
  std::string message;
};
// Both are printable, valid UTF-8 and at most ~300 bytes, with `secret` (the provider's key)
// redacted before they are cut.
VendorError parse_vendor_error(std::string_view body, std::string_view secret = {});

// The error for a non-2xx answer of provider `provider`:
//   quota_exceeded / insufficient_quota (any status)    -> kSynthesisFailed
//   429                                                 -> kRateLimited, retry_after_s from
//                                                          retry-after-ms / Retry-After
//   408, 409, 5xx                                       -> kUnavailable (retry_after_s if given)
//   any other status (400, 401, 403, 404, 422, ...)     -> kSynthesisFailed
// `x-should-retry: true|false` overrides the status. The message is "<provider>: HTTP <status>
// <code>: <vendor message>" with every occurrence of `secret` replaced.
Error vendor_error(std::string_view provider, const http::HttpClientResponse& response,
                   std::string_view secret);

// Checks that a 2xx answer carries audio: not a JSON or text body (some OpenAI-compatible servers
// answer 200 with an error object), not empty. Returns the error to report, classified by the
// vendor's code (rate limit -> kRateLimited, quota or key -> kSynthesisFailed, else
// kUnavailable), or nullopt when the answer looks like audio.
std::optional<Error> non_audio_error(std::string_view provider,
                                     const http::HttpClientResponse& response,
                                     std::string_view secret);

// A transport failure of the HTTP client (timeout, connection, TLS, cancelled) as the provider's
// error: kUnavailable (kSynthesisFailed for a URL that is not http(s)), prefixed with the
// provider's name, `secret` removed.
Error transport_error(std::string_view provider, const Error& error, std::string_view secret);

// A POST of the JSON `body` to `url` with the provider's timeouts and the caller's cancel token.
http::HttpClientRequest json_post(std::string url, std::string body,
                                  const ProviderSettings& settings, const CancelToken* cancel);

// Sends `request` once: the response when its status is 2xx, else vendor_error() or, when no
// response came, transport_error().
Result<http::HttpClientResponse> exchange(const http::HttpClient& http, std::string_view provider,
                                          const http::HttpClientRequest& request,
                                          std::string_view secret);

// `text` with every occurrence of `secret` (when non-empty) replaced by "[redacted]".
std::string redact(std::string text, std::string_view secret);

}  // namespace polyvox
