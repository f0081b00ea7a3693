#include "auth/jwt.h"

#include <jwt.h>
#include <sodium.h>

#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace polyvox {
namespace {

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

Error invalid(const std::string& why) {
  return Error{ErrorKind::kInvalidInput, "invalid token: " + why, ""};
}

// The decoded JSON header of a compact JWT, or nullopt.
std::optional<nlohmann::json> header_of(const std::string& token) {
  const auto dot = token.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 1024) return std::nullopt;
  std::string decoded(dot, '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        token.data(), dot, nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  decoded.resize(length);
  auto json = nlohmann::json::parse(decoded, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

}  // namespace

JwtSigner::JwtSigner(std::string key) : key_(std::move(key)) {
  if (key_.size() < 32) throw std::invalid_argument("the token signing key must have >= 32 bytes");
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
}

Result<std::string> JwtSigner::issue(const std::string& subject, int64_t now_s,
                                     int64_t lifetime_s) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Error{ErrorKind::kInternal, "out of memory", ""};
  JwtPtr jwt(raw);
  if (jwt_add_grant(jwt.get(), "sub", subject.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(now_s)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(now_s + lifetime_s)) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key_.data()),
                  static_cast<int>(key_.size())) != 0) {
    return Error{ErrorKind::kInternal, "cannot build a token", ""};
  }
  std::unique_ptr<char, decltype(&free)> encoded(jwt_encode_str(jwt.get()), &free);
  if (!encoded) return Error{ErrorKind::kInternal, "cannot sign a token", ""};
  return std::string(encoded.get());
}

Result<TokenClaims> JwtSigner::verify(const std::string& token, int64_t now_s) const {
  if (token.empty() || token.size() > 4096) return invalid("malformed");
  // Pin the algorithm before libjwt sees the token: only HS256 is ever accepted.
  auto header = header_of(token);
  if (!header) return invalid("malformed header");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || *alg != "HS256") {
    return invalid("algorithm must be HS256");
  }
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                 static_cast<int>(key_.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return invalid("bad signature or encoding");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return invalid("algorithm must be HS256");

  TokenClaims claims;
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (!sub || !*sub) return invalid("no subject");
  claims.subject = sub;
  errno = 0;
  claims.expires_at = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return invalid("no expiry");
  errno = 0;
  claims.issued_at = jwt_get_grant_int(jwt.get(), "iat");
  if (errno != 0) claims.issued_at = 0;
  if (claims.expires_at <= now_s) return invalid("expired");
  return claims;
}

}  // namespace polyvox
