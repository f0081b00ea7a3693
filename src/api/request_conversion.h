// How the HTTP server turns a parsed request into the HttpRequest that handlers see, and the
// checks on a request that need no connection: its target, its X-Request-ID, its declared body
// size. Free of Boost: the server hands over the parsed message's parts (http_server.cpp), so
// that these checks can be tested and fuzzed on their own (tests/fuzz).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_types.h"

namespace polyvox {

// A request as the HTTP parser read it; views into the parser's message.
struct RequestParts {
  std::string_view method;  // as sent ("GET", or any token)
  std::string_view target;  // as sent: the path, then optionally '?' and the query
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // in order, names as sent
  std::string_view body;
};

// Fills method, path (percent-decoded, without the query), query (raw), headers (names
// lower-cased, in order) and body of `out` from `in`. False when the target is malformed (a bad
// %-escape, or a path that does not start with '/'); `out` may then be partly filled. Pure.
bool convert_request(const RequestParts& in, HttpRequest& out);

// True when a client's X-Request-ID may be used and echoed as it is: 1 to 128 characters from
// [A-Za-z0-9-_.:]. Pure.
bool is_safe_request_id(std::string_view id);

// The request's id: its X-Request-ID when safe, else a new one. Thread-safe.
std::string request_id_for(const HttpRequest& request);

// Request bytes as they may appear in a message: valid UTF-8, control characters as '?', at most
// 200 bytes (cut at a character boundary, "..." appended). Pure.
std::string printable(std::string_view raw);

// True when the declared Content-Length (0 when there is none) is over `max_body_bytes`
// (MAX_BODY_BYTES): the request is answered 413 before its body is read. Pure.
bool declared_body_too_large(uint64_t declared_bytes, std::size_t max_body_bytes);

// The 413 answer for a body over `max_body_bytes`, naming the limit, `source` (its variable and
// rule) and the size received: `received_bytes` as declared by Content-Length (`exact`), or as
// much as was read before the limit stopped a chunked body ("more than").
HttpResponse body_too_large_response(std::size_t max_body_bytes, const std::string& source,
                                     uint64_t received_bytes, bool exact);

// The 431 answer for a request head over the header limit.
HttpResponse headers_too_large_response();

// The 400 answer for bytes that are not an HTTP request.
HttpResponse malformed_request_response();

}  // namespace polyvox
