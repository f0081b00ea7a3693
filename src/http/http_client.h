// The one HTTP client of Polyvox (libcurl underneath): providers, the diacritizer and storage
// send plain value-type requests through it and get value-type responses back.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel.h"
#include "core/error.h"
#include "http/address_guard.h"

namespace polyvox::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// AWS Signature Version 4, computed by libcurl (CURLOPT_AWS_SIGV4) over the request as sent.
// libcurl adds x-amz-date and Authorization and signs them with the caller's headers; a
// caller-supplied x-amz-content-sha256 header is taken as the payload hash. Large bodies are then
// sent after "Expect: 100-continue" (unsigned). The secret never reaches an error message.
struct AwsSigV4 {
  std::string provider;  // "aws:amz:{region}:{service}", e.g. "aws:amz:us-east-1:s3"
  std::string access_key;
  std::string secret_key;
};

struct HttpClientRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE, HEAD, PATCH
  std::string url;             // http:// or https:// only
  // Sent as given. Values may be secrets (Authorization, xi-api-key): the client never logs them
  // nor puts them in an error message.
  Headers headers;
  std::string body;  // sent when non-empty, or always for POST/PUT/PATCH
  // When set, the body is streamed from this local file instead of `body` (never held whole in
  // memory). REQUIRES: method PUT. An unreadable file is kIo.
  std::string body_file;
  // Signs the request with AWS SigV4 when set.
  std::optional<AwsSigV4> aws_sigv4;
  // Time to establish the connection (TCP + TLS), then the whole exchange including the body
  // (0: no limit, for streams; set idle_timeout then).
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  // When non-zero, a transfer that receives nothing for this long ends with kUnavailable ("no
  // data for N ms"). Checked about once a second.
  std::chrono::milliseconds idle_timeout{0};
  // Largest response body accepted; 0 = the client's HttpClientOptions::max_response_bytes.
  std::size_t max_response_bytes = 0;
  // A longer body: false, the request fails ("response larger than N bytes"); true, the body is
  // cut at max_response_bytes, the rest is not read (the connection is closed) and the response
  // is returned, for callers that need its status and a glimpse of its body only.
  bool truncate_response = false;
  // When set, the body of a 2xx response is handed to this function piece by piece as it
  // arrives (on the calling thread), instead of being collected in HttpClientResponse::body,
  // which stays empty; max_response_bytes does not apply to it. Other statuses are collected as
  // usual. Returning false ends the transfer with kUnavailable ("stopped by the receiver").
  // For streams: server-sent events, downloads into a file.
  std::function<bool(std::string_view piece)> on_body;
  // Polled while the request runs (libcurl's progress callback, at least about once a second);
  // cancelling ends the request with kUnavailable "cancelled". May be null.
  const CancelToken* cancel = nullptr;
  // The URL's path may hold a secret (a webhook receiver's token, as Slack's and Discord's
  // URLs do): error messages name only its origin (url_origin), not redacted_url.
  bool secret_path = false;
};

struct HttpClientResponse {
  int status = 0;
  int http_version = 0;  // 10, 11, 20 or 30 (HTTP/1.0, 1.1, 2, 3)
  Headers headers;       // of the final response, names lower-cased, in the order received
  std::string body;

  // The first header called `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // The media type of Content-Type, lower-cased, without parameters ("audio/mpeg"); "" if none.
  std::string content_type() const;
};

struct HttpClientOptions {
  // Default cap on a response body (RAM guard): 64 MiB.
  std::size_t max_response_bytes = 64u << 20;
  // Extra CA bundle (PEM) to trust instead of the system's; empty = system store. Verification
  // of the peer and of the host name is always on, whatever this says.
  std::string ca_file;
  std::string user_agent = "polyvox/0.1";
  // Idle easy handles (each keeping its connections open) kept per origin for reuse.
  std::size_t max_idle_handles_per_origin = 16;
  // When set, the client connects only where the policy allows (for requests made on a user's
  // behalf: webhooks). The address is checked when a socket is about to be opened, after DNS,
  // so a name that resolves to a refused address is refused whatever it resolved to before; a
  // listed host name allows any of its addresses. Proxies are off then (the environment's too),
  // so the address checked is the one connected to. A refusal is kForbidden, naming the address
  // and its class; no connection is attempted.
  std::shared_ptr<const AddressPolicy> address_policy;
};

// Thread-safe: any number of threads may call send() at once. Connections are kept open and
// reused by later requests to the same origin (scheme, host, port); DNS answers and TLS sessions
// are shared by every connection of the client. HTTP/2 is used over TLS when the server offers
// it; plain http stays HTTP/1.1. Redirects are not followed (a redirect is returned as is).
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request, once (no retries). Any HTTP status is a response (callers decide what
  // a 4xx or 5xx means); an error is returned only when no complete response arrived (kForbidden
  // when the address policy refused every address of the host):
  // kUnavailable with the reason ("timed out after 60000 ms", "could not connect", "SSL
  // certificate problem: self-signed certificate", "cancelled", "response larger than N bytes")
  // and the method and URL (without user info or query string). kInvalidInput for a URL that
  // is not http(s).
  Result<HttpClientResponse> send(const HttpClientRequest& request) const;

  // Connections opened so far (for tests and metrics): low when connections are reused.
  std::size_t connections_opened() const { return connections_opened_.load(); }

 private:
  struct Pool;
  HttpClientOptions options_;
  std::unique_ptr<Pool> pool_;
  mutable std::atomic<std::size_t> connections_opened_{0};
};

// When a server asked to try again (429/503): `retry-after-ms` (milliseconds, rounded up to
// whole seconds), else `retry-after` as seconds or as an HTTP date (relative to `now`). nullopt
// when neither header is present or readable; never negative.
std::optional<int> retry_after_seconds(const HttpClientResponse& response,
                                       std::time_t now = std::time(nullptr));

// Seconds since the epoch of an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"); nullopt if unreadable.
std::optional<std::time_t> parse_http_date(std::string_view text);

// `text` percent-encoded for one URL path segment or query value (RFC 3986 unreserved characters
// stay as they are).
std::string percent_encode(std::string_view text);

// `url` without user info, query string and fragment, for messages and logs.
std::string redacted_url(std::string_view url);

// scheme://host[:port] of `url` (the port only when the URL names one), for messages and logs
// about URLs whose path may hold a secret; "<invalid URL>" when it is not one.
std::string url_origin(std::string_view url);

}  // namespace polyvox::http
