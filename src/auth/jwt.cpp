#include "auth/jwt.h"

#include <jwt.h>
#include <sodium.h>

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "core/json_input.h"

namespace polyvox {
namespace {

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

constexpr std::size_t kMaxTokenBytes = 4096;
using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

Error invalid(const std::string& why) {
  return Error{ErrorKind::kInvalidInput, "invalid token: " + why, ""};
}

// The bytes of unpadded base64url `text`, or nullopt when it is not that.
std::optional<std::string> from_base64url(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  if (text.empty() || sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()),
                                        bytes.size(), text.data(), text.size(), nullptr, &length,
                                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

// The JSON object encoded in base64url `part`, or nullopt.
std::optional<nlohmann::json> json_object_of(std::string_view part) {
  auto decoded = from_base64url(part);
  if (!decoded) return std::nullopt;
  auto json = parse_untrusted_json(*decoded);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

// HMAC-SHA256 of `message` under `key` (any length, as RFC 2104 and libjwt take it).
Mac hmac_sha256(const std::string& key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  Mac mac;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

// The integer claim `name`, or nullopt when absent or not an integer.
std::optional<int64_t> int_claim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace

JwtSigner::JwtSigner(std::string key) : key_(std::move(key)) {
  if (key_.size() < 32) throw std::invalid_argument("the token signing key must have >= 32 bytes");
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
}

Result<std::string> JwtSigner::issue(const std::string& user_id, int64_t token_version,
                                     int64_t now_s, int64_t lifetime_s) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Error{ErrorKind::kInternal, "out of memory", ""};
  JwtPtr jwt(raw);
  if (jwt_add_grant(jwt.get(), "sub", user_id.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "ver", static_cast<long>(token_version)) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(now_s)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(now_s + lifetime_s)) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key_.data()),
                  static_cast<int>(key_.size())) != 0) {
    return Error{ErrorKind::kInternal, "cannot build a token", ""};
  }
  std::unique_ptr<char, decltype(&free)> encoded(jwt_encode_str(jwt.get()), &free);
  if (!encoded) return Error{ErrorKind::kInternal, "cannot sign a token", ""};
  std::string token(encoded.get());
  // verify() refuses longer tokens: never hand one out (found by tests/fuzz: a user id of a few
  // hundred control characters, each escaped to six bytes, made a token nobody could use).
  if (token.size() > kMaxTokenBytes) {
    return invalid_input("user_id", "the user id is too long for a token");
  }
  return token;
}

Result<TokenClaims> JwtSigner::verify(const std::string& token, int64_t now_s) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return invalid("malformed");
  const auto first_dot = token.find('.');
  const auto second_dot =
      first_dot == std::string::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string::npos || token.find('.', second_dot + 1) != std::string::npos) {
    return invalid("malformed");
  }
  const std::string_view text(token);
  // Pin the algorithm before anything else: only HS256 is ever accepted.
  auto header = json_object_of(text.substr(0, first_dot));
  if (!header) return invalid("malformed header");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || *alg != "HS256") {
    return invalid("algorithm must be HS256");
  }
  auto signature = from_base64url(text.substr(second_dot + 1));
  const Mac expected = hmac_sha256(key_, text.substr(0, second_dot));
  if (!signature || signature->size() != expected.size() ||
      sodium_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return invalid("bad signature or encoding");
  }
  auto payload = json_object_of(text.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload) return invalid("bad signature or encoding");

  TokenClaims claims;
  const auto sub = payload->find("sub");
  if (sub == payload->end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return invalid("no subject");
  }
  claims.user_id = sub->get<std::string>();
  const auto version = int_claim(*payload, "ver");
  if (!version || *version < 0) return invalid("no token version");
  claims.token_version = *version;
  const auto expires_at = int_claim(*payload, "exp");
  if (!expires_at) return invalid("no expiry");
  claims.expires_at = *expires_at;
  claims.issued_at = int_claim(*payload, "iat").value_or(0);
  if (claims.expires_at <= now_s) return invalid("expired");
  return claims;
}

}  // namespace polyvox
