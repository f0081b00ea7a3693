#include "providers/vendor_response.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageChars = 300;

// Printable, single-line, valid UTF-8 and short: vendors sometimes answer with an HTML page or
// bytes in another encoding. `secret` is redacted before the text is cut, so that no part of it
// survives a cut through its middle; the cut never splits a character.
std::string shorten(std::string_view text, std::string_view secret) {
  std::string out = redact(to_valid_utf8(text), secret);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  if (out.size() > kMaxMessageChars) out = std::string(cut_utf8(out, kMaxMessageChars)) + "...";
  const auto last = out.find_last_not_of(' ');
  out.erase(last == std::string::npos ? 0 : last + 1);
  const auto first = out.find_first_not_of(' ');
  return first == std::string::npos ? "" : out.substr(first);
}

std::string string_field(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

// FastAPI/pydantic validation errors: [{"loc": ["body", "text"], "msg": "field required"}].
std::string validation_message(const json& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += "; ";
    std::string loc;
    if (item.is_object() && item.contains("loc") && item["loc"].is_array()) {
      for (const auto& part : item["loc"]) {
        if (!loc.empty()) loc += ".";
        loc += part.is_string() ? part.get<std::string>() : part.dump();
      }
    }
    const std::string msg = string_field(item, "msg");
    out += loc.empty() ? msg : loc + ": " + msg;
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool is_quota_code(std::string_view code) {
  return code == "quota_exceeded" || code == "insufficient_quota";
}

bool is_rate_limit_code(std::string_view code) {
  return contains(code, "rate_limit") || contains(code, "too_many") || code == "system_busy";
}

std::string describe(std::string_view provider, int status, const VendorError& vendor,
                     std::string_view secret) {
  std::string message = std::string(provider) + ": HTTP " + std::to_string(status);
  if (!vendor.code.empty()) message += " " + vendor.code;
  if (!vendor.message.empty()) message += ": " + vendor.message;
  return redact(std::move(message), secret);
}

}  // namespace

VendorError parse_vendor_error(std::string_view body, std::string_view secret) {
  VendorError out;
  // A vendor's error document is a few hundred bytes; a larger body is shown, cut, as text
  // rather than built into a document (up to the client's cap, tens of megabytes).
  constexpr std::size_t kMaxErrorDocumentBytes = 64 * 1024;
  if (body.size() > kMaxErrorDocumentBytes) {
    out.message = shorten(body, secret);
    return out;
  }
  const json doc = parse_untrusted_json(body);
  if (doc.is_discarded() || !doc.is_object()) {
    out.message = shorten(body, secret);
    return out;
  }
  if (auto it = doc.find("detail"); it != doc.end()) {
    if (it->is_object()) {
      out.code = string_field(*it, "status");
      if (out.code.empty()) out.code = string_field(*it, "code");
      out.message = string_field(*it, "message");
    } else if (it->is_array()) {
      out.code = "validation_error";
      out.message = validation_message(*it);
    } else if (it->is_string()) {
      out.message = it->get<std::string>();
    }
  } else if (auto err = doc.find("error"); err != doc.end()) {
    if (err->is_object()) {
      out.code = string_field(*err, "code");
      if (out.code.empty()) out.code = string_field(*err, "type");
      out.message = string_field(*err, "message");
    } else if (err->is_string()) {
      out.message = err->get<std::string>();
    }
  }
  if (out.message.empty()) out.message = string_field(doc, "message");
  if (out.code.empty()) out.code = string_field(doc, "code");
  if (out.message.empty()) out.message = shorten(body, secret);
  out.message = shorten(out.message, secret);
  out.code = shorten(out.code, secret);
  return out;
}

Error vendor_error(std::string_view provider, const http::HttpClientResponse& response,
                   std::string_view secret) {
  const VendorError vendor = parse_vendor_error(response.body, secret);
  const int status = response.status;
  Error error{ErrorKind::kSynthesisFailed, describe(provider, status, vendor, secret), ""};
  const auto retry_after = http::retry_after_seconds(response);
  if (is_quota_code(vendor.code)) return error;
  if (status == 429) {
    error.kind = ErrorKind::kRateLimited;
  } else if (status == 408 || status == 409 || status >= 500) {
    error.kind = ErrorKind::kUnavailable;
  }
  if (auto should_retry = response.header("x-should-retry")) {
    if (*should_retry == "true" && error.kind == ErrorKind::kSynthesisFailed) {
      error.kind = ErrorKind::kUnavailable;
    } else if (*should_retry == "false") {
      error.kind = ErrorKind::kSynthesisFailed;
    }
  }
  if (error.kind != ErrorKind::kSynthesisFailed && retry_after) error.retry_after_s = *retry_after;
  return error;
}

std::optional<Error> non_audio_error(std::string_view provider,
                                     const http::HttpClientResponse& response,
                                     std::string_view secret) {
  const std::string type = response.content_type();
  const bool textual = type == "application/json" || type.rfind("text/", 0) == 0 ||
                       (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0);
  if (!textual) {
    if (!response.body.empty()) return std::nullopt;
    return Error{ErrorKind::kUnavailable,
                 std::string(provider) + ": HTTP " + std::to_string(response.status) +
                     " with an empty body instead of audio",
                 ""};
  }
  const VendorError vendor = parse_vendor_error(response.body, secret);
  Error error{ErrorKind::kUnavailable, "", ""};
  error.message = redact(std::string(provider) + ": HTTP " + std::to_string(response.status) +
                             " with " + (type.empty() ? "text" : type) + " instead of audio" +
                             (vendor.code.empty() ? "" : " " + vendor.code) +
                             (vendor.message.empty() ? "" : ": " + vendor.message),
                         secret);
  if (is_rate_limit_code(vendor.code)) {
    error.kind = ErrorKind::kRateLimited;
  } else if (is_quota_code(vendor.code) || contains(vendor.code, "api_key") ||
             contains(vendor.code, "unauthorized")) {
    error.kind = ErrorKind::kSynthesisFailed;
  }
  return error;
}

Error transport_error(std::string_view provider, const Error& error, std::string_view secret) {
  // A URL the client refuses (not http(s)) is configuration: retrying cannot help.
  const ErrorKind kind = error.kind == ErrorKind::kInvalidInput ? ErrorKind::kSynthesisFailed
                                                                : ErrorKind::kUnavailable;
  return Error{kind, redact(std::string(provider) + ": " + error.message, secret), ""};
}

http::HttpClientRequest json_post(std::string url, std::string body,
                                  const ProviderSettings& settings, const CancelToken* cancel) {
  http::HttpClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers.emplace_back("Content-Type", "application/json");
  request.connect_timeout = settings.connect_timeout;
  request.total_timeout = settings.request_timeout;
  request.cancel = cancel;
  return request;
}

Result<http::HttpClientResponse> exchange(const http::HttpClient& http, std::string_view provider,
                                          const http::HttpClientRequest& request,
                                          std::string_view secret) {
  auto response = http.send(request);
  if (!response) return transport_error(provider, response.error(), secret);
  if (response->status < 200 || response->status > 299) {
    return vendor_error(provider, *response, secret);
  }
  return response;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 10)) {
    text.replace(pos, secret.size(), "[redacted]");
  }
  return text;
}

}  // namespace polyvox
