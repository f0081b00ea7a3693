#include "app/api_client.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kRequestTimeout{60'000};
constexpr std::chrono::milliseconds kDownloadIdleTimeout{60'000};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error bad_url(const std::string& why) {
  return invalid_input("POLYVOX_URL", why + " (for example " + kDefaultServerUrl + ")");
}

bool host_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// Checks "host[:port]"; an error message, or "" when it is fine.
std::string check_authority(std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an IPv6 address without its ']'";
    host = authority.substr(0, close + 1);
    const std::string_view inner = host.substr(1, host.size() - 2);
    if (inner.empty() || inner.find_first_not_of("0123456789abcdefABCDEF:.") != inner.npos ||
        inner.find(':') == inner.npos) {
      return "has a malformed IPv6 address";
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has something after its IPv6 address";
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return "has no host";
    for (char c : host) {
      if (!host_name_char(c)) return "has a malformed host";
    }
  }
  if (has_port) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
      return "has a malformed port";
    }
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return "has a port outside 1..65535";
  }
  return "";
}

Result<std::string> access_token_of(const http::HttpClientResponse& response) {
  const json body = parse_untrusted_json(response.body);
  if (body.is_object()) {
    auto token = body.find("access_token");
    if (token != body.end() && token->is_string() && !token->get<std::string>().empty()) {
      return token->get<std::string>();
    }
  }
  return Error{ErrorKind::kUnavailable, "login: the server's answer has no access_token", ""};
}

}  // namespace

Result<std::string> parse_server_url(std::string_view text) {
  if (text.empty()) return bad_url("is empty");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return bad_url("holds a space, a control or a non-ASCII character");
  }
  if (text.find('@') != std::string_view::npos) {
    return bad_url("must not carry user info: set POLYVOX_TOKEN or POLYVOX_API_KEY instead");
  }
  const std::string shown = "'" + std::string(text) + "'";
  const std::size_t separator = text.find("://");
  const std::string scheme =
      separator == std::string_view::npos ? "" : lower(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") return bad_url(shown + " is not an http(s) URL");
  const std::string_view rest = text.substr(separator + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad_url(shown + " has a query or a fragment");
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  if (std::string why = check_authority(authority); !why.empty()) return bad_url(shown + " " + why);
  if (path.find_first_of("\\\"<>`{}|^") != std::string_view::npos) {
    return bad_url(shown + " has characters a URL path cannot hold");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return scheme + "://" + std::string(authority) + std::string(path);
}

std::string terminal_safe(std::string_view text, std::size_t max_bytes) {
  std::string valid = to_valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else if (c == 0xC2 && i + 1 < valid.size() &&
               static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {  // U+0080..U+009F
      out += '?';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() > max_bytes) {
    out = std::string(cut_utf8(out, max_bytes)) + "...";
  }
  return out;
}

Error error_from_response(const http::HttpClientResponse& response, const std::string& what) {
  const int status = response.status;
  ErrorKind kind = ErrorKind::kUnavailable;
  if (status == 400 || status == 413 || status == 415 || status == 422) {
    kind = ErrorKind::kInvalidInput;
  } else if (status == 401) {
    kind = ErrorKind::kUnauthenticated;
  } else if (status == 403) {
    kind = ErrorKind::kForbidden;
  } else if (status == 404) {
    kind = ErrorKind::kNotFound;
  } else if (status == 429) {
    kind = ErrorKind::kRateLimited;
  }
  std::string message = what + ": HTTP " + std::to_string(status);
  std::string field;
  const json body = parse_untrusted_json(response.body);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& e = body["error"];
    if (e.contains("message") && e["message"].is_string()) {
      message += ": " + terminal_safe(e["message"].get<std::string>());
    }
    if (e.contains("code") && e["code"].is_string()) {
      message += " (" + terminal_safe(e["code"].get<std::string>(), 64) + ")";
    }
    if (e.contains("field") && e["field"].is_string()) {
      field = terminal_safe(e["field"].get<std::string>(), 200);
    }
  }
  Error error{kind, message, field};
  if (auto seconds = http::retry_after_seconds(response)) error.retry_after_s = *seconds;
  return error;
}

ApiClient::ApiClient(std::string base_url, const CancelToken* cancel)
    : base_url_(std::move(base_url)), cancel_(cancel) {}

http::HttpClientRequest ApiClient::request(const std::string& method,
                                           const std::string& path) const {
  http::HttpClientRequest request;
  request.method = method;
  request.url = base_url_ + path;
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  request.total_timeout = kRequestTimeout;
  request.cancel = cancel_;
  return request;
}

Result<http::HttpClientResponse> ApiClient::send(const http::HttpClientRequest& request) const {
  auto response = http_.send(request);
  if (!response) {
    Error error = response.take_error();
    error.kind = ErrorKind::kUnavailable;  // no answer: an unreachable server, not bad input
    return error;
  }
  return response;
}

Result<std::string> ApiClient::login(const std::string& user, const std::string& password) {
  http::HttpClientRequest req = request("POST", "/token");
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body =
      "username=" + http::percent_encode(user) + "&password=" + http::percent_encode(password);
  auto response = send(req);
  if (!response) return response.take_error();
  if (response->status != 200) return error_from_response(*response, "login");
  return access_token_of(*response);
}

Result<std::string> ApiClient::submit(const std::string& job_json) {
  http::HttpClientRequest req = request("POST", "/tts");
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = job_json;
  auto response = send(req);
  if (!response) return response.take_error();
  if (response->status < 200 || response->status >= 300) {
    return error_from_response(*response, "the server refused the job");
  }
  const json body = parse_untrusted_json(response->body);
  if (body.is_object() && body.contains("job_id") && body["job_id"].is_string()) {
    const std::string id = body["job_id"];
    if (!id.empty() && id.size() <= 128 && terminal_safe(id) == id) return id;
  }
  return Error{ErrorKind::kUnavailable, "the server's answer to the job has no job_id", ""};
}

Result<EventStreamEnd> ApiClient::job_events(
    const std::string& job_id, const std::string& last_event_id,
    std::chrono::milliseconds idle_timeout, const std::function<bool(std::string_view)>& on_bytes) {
  http::HttpClientRequest req = request("GET", "/jobs/" + http::percent_encode(job_id) + "/events");
  req.headers.emplace_back("Accept", "text/event-stream");
  req.headers.emplace_back("Cache-Control", "no-cache");
  if (!last_event_id.empty()) req.headers.emplace_back("Last-Event-ID", last_event_id);
  req.total_timeout = std::chrono::milliseconds(0);
  req.idle_timeout = idle_timeout;
  bool stopped = false;
  req.on_body = [&](std::string_view bytes) {
    if (on_bytes(bytes)) return true;
    stopped = true;
    return false;
  };
  auto response = send(req);
  if (stopped) return EventStreamEnd{true};
  if (!response) return response.take_error();
  if (response->status != 200) return error_from_response(*response, "job events");
  if (response->content_type() != "text/event-stream") {
    return Error{ErrorKind::kUnavailable, "job events: the server did not send an event stream",
                 ""};
  }
  return EventStreamEnd{false};
}

Result<std::string> ApiClient::download_audio(
    const std::string& job_id, const std::function<bool(std::string_view)>& on_bytes) {
  http::HttpClientRequest req =
      request("GET", "/result/" + http::percent_encode(job_id) + "/audio");
  req.total_timeout = std::chrono::milliseconds(0);
  req.idle_timeout = kDownloadIdleTimeout;
  req.on_body = on_bytes;
  auto response = send(req);
  if (!response) return response.take_error();
  if (response->status != 200) return error_from_response(*response, "audio download");
  return response->content_type();
}

}  // namespace polyvox
