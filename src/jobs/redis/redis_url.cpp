#include "jobs/redis/redis_url.h"

#include <charconv>

namespace polyvox::redis {
namespace {

Error bad_url(const std::string& why) { return invalid_input("REDIS_URL", why); }

// Percent-decoding of the user-info part (a password may contain '@', ':' or '/').
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= in.size()) return false;
    auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || end != in.data() + i + 3) return false;
    out += static_cast<char>(value);
    i += 2;
  }
  return true;
}

template <typename T>
bool parse_number(std::string_view text, T min, T max, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

}  // namespace

std::string Endpoint::display() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Result<Endpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) return bad_url("TLS (rediss://) is not supported");
  if (!url.starts_with(kScheme)) return bad_url("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (const auto query = rest.find_first_of("?#"); query != std::string_view::npos) {
    return bad_url("query parameters are not supported");
  }
  Endpoint endpoint;
  // [[user]:password@] — the last '@' ends it, so a password may contain an unescaped '@'.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = info.find(':');
    const std::string_view user = colon == std::string_view::npos ? info : info.substr(0, colon);
    const std::string_view password =
        colon == std::string_view::npos ? std::string_view() : info.substr(colon + 1);
    if (!percent_decode(user, endpoint.user) || !percent_decode(password, endpoint.password)) {
      return bad_url("malformed percent-escape in the user or password");
    }
    // redis://secret@host (no colon) is the password alone, as redis-cli reads it.
    if (colon == std::string_view::npos) std::swap(endpoint.user, endpoint.password);
  }
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated [IPv6] host");
    endpoint.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return bad_url("junk after the [IPv6] host");
    if (!after.empty()) port = after.substr(1);
    if (after == ":") return bad_url("empty port");
  } else {
    const auto colon = rest.rfind(':');
    endpoint.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) return bad_url("empty port");
    }
  }
  if (endpoint.host.empty()) return bad_url("no host");
  if (!port.empty() && !parse_number(port, 1, 65535, endpoint.port)) {
    return bad_url("port must be a number from 1 to 65535");
  }
  if (!path.empty() && !parse_number(path, 0, 2147483647, endpoint.db)) {
    return bad_url("database must be a non-negative number (redis://host:port/DB)");
  }
  return endpoint;
}

}  // namespace polyvox::redis
