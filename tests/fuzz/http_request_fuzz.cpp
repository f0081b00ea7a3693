// A request on the wire as the HTTP server reads it: Beast's parser with the server's default
// header and body limits, then the limit checks and the conversion of api/request_conversion.h.
// Whatever the bytes, the answer for a request over a limit names it; a converted request has
// a path starting with '/', lower-case header names and the parsed body; its request id is safe
// to echo; messages quote it printably.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/request_conversion.h"
#include "core/utf8.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // HttpServerOptions' defaults
constexpr std::size_t kMaxBodyBytes = 1 << 20;

void check_printable(std::string_view raw) {
  const std::string text = polyvox::printable(raw);
  check(polyvox::is_valid_utf8(text), "printable text is valid UTF-8");
  check(text.size() <= 203, "printable text is at most 200 bytes and an ellipsis");
  for (const char c : text) {
    check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "printable text has no controls");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(data, size), ec);
  check(used <= size, "the parser consumes at most its input");
  if (ec == http::error::header_limit) {
    check(polyvox::headers_too_large_response().status == 431, "too large headers are 431");
  }
  if (ec == http::error::body_limit ||
      (parser.is_header_done() &&
       polyvox::declared_body_too_large(parser.content_length().value_or(0), kMaxBodyBytes))) {
    const auto response = polyvox::body_too_large_response(
        kMaxBodyBytes, "MAX_BODY_BYTES", parser.content_length().value_or(kMaxBodyBytes),
        parser.content_length().has_value());
    check(response.status == 413, "a too large body is 413");
    check(response.body.find("1048576") != std::string::npos, "a 413 names the limit");
    return 0;
  }
  if (ec && ec != http::error::need_more) {
    check(polyvox::malformed_request_response().status == 400, "malformed requests are 400");
    return 0;
  }
  if (!parser.is_done()) return 0;

  const auto& message = parser.get();
  polyvox::RequestParts parts;
  parts.method = message.method_string();
  parts.target = message.target();
  for (const auto& field : message) parts.fields.emplace_back(field.name_string(), field.value());
  parts.body = message.body();
  polyvox::HttpRequest request;
  if (!polyvox::convert_request(parts, request)) {
    check_printable(parts.target);
    return 0;
  }
  check(!request.path.empty() && request.path.front() == '/', "a path starts with '/'");
  check(request.path.size() <= parts.target.size(), "decoding never grows the path");
  check(request.headers.size() == parts.fields.size(), "every header is kept");
  for (const auto& [name, value] : request.headers) {
    for (const char c : name) check(c < 'A' || c > 'Z', "header names are lower-case");
  }
  check(request.body == message.body(), "the body is kept");
  request.request_id = polyvox::request_id_for(request);
  check(polyvox::is_safe_request_id(request.request_id), "the request id is safe to echo");
  check_printable(request.path);
  check_printable(request.method);
  return 0;
}
