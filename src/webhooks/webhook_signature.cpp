#include "webhooks/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace polyvox {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kMinKeyBytes = 24;
constexpr std::size_t kMaxKeyBytes = 64;

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Error bad_secret() {
  return invalid_input("webhook_secret", "must be whsec_ followed by the base64 of 24 to 64 bytes");
}

}  // namespace

std::string new_webhook_secret() {
  unsigned char key[kSecretBytes];
  if (RAND_bytes(key, sizeof key) != 1) {
    throw std::runtime_error("the random generator failed");  // OpenSSL's CSPRNG: never
  }
  return std::string(kWebhookSecretPrefix) + base64(key, sizeof key);
}

Result<std::string> webhook_key(std::string_view secret) {
  if (!secret.starts_with(kWebhookSecretPrefix)) return bad_secret();
  const std::string_view text = secret.substr(kWebhookSecretPrefix.size());
  // Padded base64 only (what new_webhook_secret writes, and what the spec's libraries accept).
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4 * ((kMaxKeyBytes + 2) / 3)) {
    return bad_secret();
  }
  std::vector<unsigned char> key(3 * text.size() / 4);
  const int decoded =
      EVP_DecodeBlock(key.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (decoded < 0) return bad_secret();
  // EVP_DecodeBlock counts the padding's zero bytes: take them off.
  std::size_t size = static_cast<std::size_t>(decoded);
  if (text.back() == '=') --size;
  if (text[text.size() - 2] == '=') --size;
  if (size < kMinKeyBytes || size > kMaxKeyBytes) return bad_secret();
  return std::string(reinterpret_cast<const char*>(key.data()), size);
}

Result<std::string> sign_webhook(std::string_view secret, std::string_view id, int64_t timestamp_s,
                                 std::string_view body) {
  auto key = webhook_key(secret);
  if (!key) return key.take_error();
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_size) == nullptr) {
    return Error{ErrorKind::kInternal, "HMAC-SHA256 failed", ""};
  }
  return "v1," + base64(mac, mac_size);
}

}  // namespace polyvox
