// The Polyvox HTTP API as `polyvox submit` uses it: the server's address (POLYVOX_URL), login,
// submission, a job's event stream and its audio, with the server's answers turned into Errors.
// Credentials go into the Authorization header only: never into a message.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/cancel.h"
#include "core/error.h"
#include "http/http_client.h"

namespace polyvox {

inline constexpr char kDefaultServerUrl[] = "http://127.0.0.1:8000";

// The base URL of a server: http or https, a host (name, IPv4 or [IPv6]), an optional port
// (1..65535) and an optional path prefix (a server behind a proxy), returned without trailing
// '/'. kInvalidInput with field "POLYVOX_URL" for anything else, user info ("user:pass@"), a
// query or a fragment included; the message never repeats a value that carries user info.
Result<std::string> parse_server_url(std::string_view text);

// One connection of GET /jobs/{id}/events ended.
struct EventStreamEnd {
  bool stopped = false;  // the receiver stopped it (the job is over)
};

// Not thread-safe (one command, one thread). Errors:
//   kInvalidInput     the server refused the input (400, 413, 415, 422), with its message and
//                     field
//   kUnauthenticated  401 (missing, expired or revoked credentials; a failed login)
//   kForbidden        403
//   kNotFound         404
//   kRateLimited      429 (retry_after_s from Retry-After)
//   kUnavailable      the server cannot be reached, or answered 5xx or something unexpected
class ApiClient {
 public:
  // `base_url` as parse_server_url returns it. `cancel` (may be null) ends requests in flight.
  ApiClient(std::string base_url, const CancelToken* cancel);

  const std::string& base_url() const { return base_url_; }

  // Sent as "Authorization: Bearer <token>" from now on.
  void set_token(std::string token) { token_ = std::move(token); }

  // POST /token with the user's name and password; the access token.
  Result<std::string> login(const std::string& user, const std::string& password);

  // POST /tts with `job_json` as it is; the new job's id.
  Result<std::string> submit(const std::string& job_json);

  // One connection of GET /jobs/{id}/events (Last-Event-ID: `last_event_id` unless empty):
  // the stream's bytes go to `on_bytes` as they arrive; returning false ends the connection
  // (EventStreamEnd::stopped). Returns when the server ends the stream; an error when it
  // could not be opened (the status's kind above), broke off, or sent nothing for
  // `idle_timeout`.
  Result<EventStreamEnd> job_events(const std::string& job_id, const std::string& last_event_id,
                                    std::chrono::milliseconds idle_timeout,
                                    const std::function<bool(std::string_view)>& on_bytes);

  // GET /result/{id}/audio: the bytes go to `on_bytes` as they arrive (returning false stops
  // with kUnavailable "stopped by the receiver"). Content type of the audio on success.
  Result<std::string> download_audio(const std::string& job_id,
                                     const std::function<bool(std::string_view)>& on_bytes);

 private:
  http::HttpClientRequest request(const std::string& method, const std::string& path) const;
  Result<http::HttpClientResponse> send(const http::HttpClientRequest& request) const;

  http::HttpClient http_;
  std::string base_url_;
  std::string token_;
  const CancelToken* cancel_;
};

// `text` from the server made safe to print on a terminal: valid UTF-8, control characters (C0,
// DEL, C1: a hostile server could send escape sequences) as '?', at most `max_bytes` bytes
// (cut at a character, "..." added).
std::string terminal_safe(std::string_view text, std::size_t max_bytes = 500);

// The Error an unexpected answer stands for: the API's {"error": {"code", "message", "field"}}
// when the body has it, else the status; the kind by status as listed above ApiClient.
Error error_from_response(const http::HttpClientResponse& response, const std::string& what);

}  // namespace polyvox
