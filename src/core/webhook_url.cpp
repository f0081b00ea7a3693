#include "core/webhook_url.h"

#include <cctype>
#include <string>

namespace polyvox {
namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool is_host_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

}  // namespace

Status check_webhook_url(std::string_view url, std::string_view field) {
  const std::string name(field);
  if (url.empty()) return invalid_input(name, "must not be empty");
  if (url.size() > kMaxWebhookUrlBytes) {
    return invalid_input(name, "must be at most " + std::to_string(kMaxWebhookUrlBytes) +
                                   " characters, got " + std::to_string(url.size()));
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      return invalid_input(name,
                           "must be printable ASCII without spaces (percent-encode the rest, "
                           "punycode for host names)");
    }
  }
  std::string_view rest;
  if (starts_with_ignoring_case(url, "https://")) {
    rest = url.substr(8);
  } else if (starts_with_ignoring_case(url, "http://")) {
    rest = url.substr(7);
  } else {
    return invalid_input(name, "must be an absolute http:// or https:// URL");
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return invalid_input(name, "must not contain user info (user:password@)");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close == 1) {
      return invalid_input(name, "has a malformed IPv6 address");
    }
    for (char c : host.substr(1, close - 1)) {
      if (!is_ipv6_char(c)) return invalid_input(name, "has a malformed IPv6 address");
    }
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return invalid_input(name, "has a malformed host");
    if (!after.empty()) port = after.substr(1);
    host = host.substr(0, close + 1);
    if (after.size() == 1) return invalid_input(name, "has an empty port");
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty()) return invalid_input(name, "has an empty port");
    }
    if (host.empty()) return invalid_input(name, "must name a host");
    for (char c : host) {
      if (!is_host_name_char(c)) {
        return invalid_input(name, "has a host with a character not allowed in host names");
      }
    }
  }
  if (!port.empty()) {
    const bool digits =
        port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos;
    const int number = digits ? std::stoi(std::string(port)) : 0;
    if (number < 1 || number > 65535) {
      return invalid_input(name, "has a port that is not a number from 1 to 65535");
    }
  }
  return Status::success();
}

}  // namespace polyvox
