#include "storage/sigv4.h"

#include <algorithm>
#include <cctype>

#include "http/http_client.h"
#include "storage/digest.h"

namespace polyvox::sigv4 {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header value as SigV4 canonicalizes it: trimmed, runs of spaces collapsed to one.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted_headers(const Request& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : request.headers) {
    out.emplace_back(lower(name), canonical_value(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string date_of(std::time_t t) { return amz_date(t).substr(0, 8); }

std::string scope(const Credentials& c, std::time_t t) {
  return date_of(t) + "/" + c.region + "/" + c.service + "/aws4_request";
}

}  // namespace

std::string amz_date(std::time_t t) {
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  if (!keep_slash) return http::percent_encode(text);
  std::string out;
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    out += http::percent_encode(text.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

std::string signed_headers(const Request& request) {
  std::string out;
  for (const auto& [name, value] : sorted_headers(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const Request& request) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : request.query) {
    query.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string query_text;
  for (const auto& [name, value] : query) {
    if (!query_text.empty()) query_text += '&';
    query_text += name + "=" + value;
  }
  std::string header_text;
  for (const auto& [name, value] : sorted_headers(request))
    header_text += name + ":" + value + "\n";
  return request.method + "\n" + request.path + "\n" + query_text + "\n" + header_text + "\n" +
         signed_headers(request) + "\n" + request.payload_hash;
}

std::string string_to_sign(const Request& request, const Credentials& credentials, std::time_t t) {
  return "AWS4-HMAC-SHA256\n" + amz_date(t) + "\n" + scope(credentials, t) + "\n" +
         digest::sha256_hex(canonical_request(request));
}

std::string signature(const Request& request, const Credentials& credentials, std::time_t t) {
  std::string key = digest::hmac_sha256("AWS4" + credentials.secret_key, date_of(t));
  key = digest::hmac_sha256(key, credentials.region);
  key = digest::hmac_sha256(key, credentials.service);
  key = digest::hmac_sha256(key, "aws4_request");
  return digest::to_hex(digest::hmac_sha256(key, string_to_sign(request, credentials, t)));
}

std::string presign_get_query(const Credentials& credentials, const std::string& host,
                              const std::string& path, std::time_t t, int expires_s) {
  Request request;
  request.method = "GET";
  request.path = path;
  request.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                   {"X-Amz-Credential", credentials.access_key + "/" + scope(credentials, t)},
                   {"X-Amz-Date", amz_date(t)},
                   {"X-Amz-Expires", std::to_string(expires_s)},
                   {"X-Amz-SignedHeaders", "host"}};
  request.headers = {{"host", host}};
  request.payload_hash = "UNSIGNED-PAYLOAD";
  std::string query;
  for (const auto& [name, value] : request.query) {
    query += (query.empty() ? "" : "&") + uri_encode(name, false) + "=" + uri_encode(value, false);
  }
  return query + "&X-Amz-Signature=" + signature(request, credentials, t);
}

}  // namespace polyvox::sigv4
