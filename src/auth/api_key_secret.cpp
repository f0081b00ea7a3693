#include "auth/api_key_secret.h"

#include <sodium.h>

#include <stdexcept>

namespace polyvox {
namespace {

constexpr std::size_t kKeyBytes = 32;  // 256 bits
constexpr std::size_t kDisplayCharacters = 6;

void require_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
}

bool is_base64url_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

NewApiKeySecret new_api_key_secret() {
  require_sodium();
  unsigned char bytes[kKeyBytes];
  randombytes_buf(bytes, sizeof bytes);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char encoded[sodium_base64_ENCODED_LEN(kKeyBytes, kVariant)];
  sodium_bin2base64(encoded, sizeof encoded, bytes, sizeof bytes, kVariant);
  sodium_memzero(bytes, sizeof bytes);
  NewApiKeySecret secret;
  secret.key = std::string(kApiKeyPrefix) + encoded;
  secret.hash = api_key_hash(secret.key);
  secret.display_prefix = api_key_display_prefix(secret.key);
  return secret;
}

bool is_api_key_form(std::string_view text) {
  if (text.size() != kApiKeyLength || !text.starts_with(kApiKeyPrefix)) return false;
  for (char c : text.substr(kApiKeyPrefix.size())) {
    if (!is_base64url_character(c)) return false;
  }
  return true;
}

std::string api_key_hash(std::string_view key) {
  require_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string api_key_display_prefix(std::string_view key) {
  return std::string(key.substr(0, kApiKeyPrefix.size() + kDisplayCharacters));
}

}  // namespace polyvox
