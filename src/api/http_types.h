// HTTP requests and responses as handlers see them: plain data, no Boost in sight (the server
// converts to and from Beast in http_server.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace polyvox {

// A streamed response body: read up to `size` bytes; 0 at the end.
using BodyStream = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;
  std::string request_id;  // X-Request-ID (validated) or generated
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router

  // The first header called `name` (lower-case), or "".
  std::string_view header(std::string_view name) const;
  // A path parameter by name ("id"), or "".
  const std::string& param(std::string_view name) const;
  // The first query parameter `name`, percent-decoded; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is streamed from here instead: `stream_length` bytes.
  BodyStream stream;
  uint64_t stream_length = 0;

  HttpResponse& set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Decodes %XX escapes (and '+' as space when `form`); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool form = false);

// Parses an application/x-www-form-urlencoded body into pairs; nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);

}  // namespace polyvox
