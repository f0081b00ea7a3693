#include "api/request_conversion.h"

#include <cctype>

#include "api/api_error.h"
#include "core/ids.h"
#include "core/utf8.h"

namespace polyvox {

bool convert_request(const RequestParts& in, HttpRequest& out) {
  out.method = std::string(in.method);
  const std::string_view target = in.target;
  const auto q = target.find('?');
  auto path = percent_decode(target.substr(0, q));
  if (!path || path->empty() || path->front() != '/') return false;
  out.path = std::move(*path);
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(in.fields.size());
  for (const auto& [field_name, value] : in.fields) {
    std::string name(field_name);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(value));
  }
  out.body = std::string(in.body);
  return true;
}

bool is_safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string request_id_for(const HttpRequest& request) {
  const std::string_view given = request.header("x-request-id");
  return is_safe_request_id(given) ? std::string(given) : new_request_id();
}

std::string printable(std::string_view raw) {
  std::string text = to_valid_utf8(raw.substr(0, 400));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  if (text.size() <= 200 && raw.size() <= 400) return text;
  return std::string(cut_utf8(text, 200)) + "...";
}

bool declared_body_too_large(uint64_t declared_bytes, std::size_t max_body_bytes) {
  return declared_bytes > max_body_bytes;
}

HttpResponse body_too_large_response(std::size_t max_body_bytes, const std::string& source,
                                     uint64_t received_bytes, bool exact) {
  return error_response(413, "PAYLOAD_TOO_LARGE",
                        "request body of " + std::string(exact ? "" : "more than ") +
                            std::to_string(received_bytes) + " bytes is over the limit of " +
                            std::to_string(max_body_bytes) + " bytes (" + source + ")");
}

HttpResponse headers_too_large_response() {
  return error_response(431, "VALIDATION_ERROR", "request headers too large");
}

HttpResponse malformed_request_response() {
  return error_response(400, "VALIDATION_ERROR", "malformed HTTP request");
}

}  // namespace polyvox
