// AWS Signature Version 4 for S3 (docs/providers.md): the canonical request, the string
// to sign, the signature, and presigned GET URLs. libcurl signs the requests Polyvox sends
// (http_client.h); this code computes what libcurl cannot: URLs others can fetch without keys.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyvox::sigv4 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

// One request as SigV4 sees it.
struct Request {
  std::string method = "GET";
  std::string path = "/";  // URI-encoded once, as sent ("/bucket/a%20b.mp3")
  // Query parameters, not encoded; encoded and sorted when signing.
  std::vector<std::pair<std::string, std::string>> query;
  // The headers to sign (at least host); names in any case, values as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash = "UNSIGNED-PAYLOAD";  // or the hex SHA-256 of the body
};

// `t` as an x-amz-date: "20130524T000000Z" (UTC).
std::string amz_date(std::time_t t);

// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, every
// other byte %XX (upper-case hex); '/' kept when `keep_slash` (paths).
std::string uri_encode(std::string_view text, bool keep_slash);

// "host;range;x-amz-date": the signed header names, lower-case, sorted.
std::string signed_headers(const Request& request);

// METHOD \n path \n sorted query \n canonical headers \n signed headers \n payload hash.
std::string canonical_request(const Request& request);

// AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(sha256(canonical request)).
std::string string_to_sign(const Request& request, const Credentials& credentials, std::time_t t);

// The hex signature of `request` at time `t`. Pure; thread-safe.
std::string signature(const Request& request, const Credentials& credentials, std::time_t t);

// The query string (without '?') that makes `GET {scheme}://{host}{path}` valid for
// `expires_s` seconds from `t` without any header: X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders=host, X-Amz-Signature.
// REQUIRES: 1 <= expires_s <= 604800; `path` URI-encoded once; `host` as the client sends it
// (with the port unless it is the scheme's default).
std::string presign_get_query(const Credentials& credentials, const std::string& host,
                              const std::string& path, std::time_t t, int expires_s);

}  // namespace polyvox::sigv4
