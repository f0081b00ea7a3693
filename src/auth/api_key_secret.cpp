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

std::string new_random_secret(std::string_view prefix) {
  require_sodium();
  unsigned char bytes[kKeyBytes];
  randombytes_buf(bytes, sizeof bytes);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char encoded[sodium_base64_ENCODED_LEN(kKeyBytes, kVariant)];
  sodium_bin2base64(encoded, sizeof encoded, bytes, sizeof bytes, kVariant);
  sodium_memzero(bytes, sizeof bytes);
  return std::string(prefix) + encoded;
}

NewApiKeySecret new_api_key_secret() {
  NewApiKeySecret secret;
  secret.key = new_random_secret(kApiKeyPrefix);
  secret.hash = api_key_hash(secret.key);
  secret.display_prefix = api_key_display_prefix(secret.key);
  return secret;
}

bool is_random_secret_form(std::string_view text, std::string_view prefix) {
  if (text.size() != prefix.size() + kRandomSecretCharacters || !text.starts_with(prefix)) {
    return false;
  }
  for (char c : text.substr(prefix.size())) {
    if (!is_base64url_character(c)) return false;
  }
  return true;
}

bool is_api_key_form(std::string_view text) { return is_random_secret_form(text, kApiKeyPrefix); }

std::string secret_hash(std::string_view text) {
  require_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string api_key_hash(std::string_view key) { return secret_hash(key); }

std::string api_key_display_prefix(std::string_view key) {
  return std::string(key.substr(0, kApiKeyPrefix.size() + kDisplayCharacters));
}

}  // namespace polyvox
