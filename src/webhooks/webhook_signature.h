// Webhook signatures as the Standard Webhooks specification defines them
// (https://www.standardwebhooks.com): each user has a secret "whsec_<base64 of the key>", and a
// message is signed as "v1,<base64 of HMAC-SHA256(key, id + "." + timestamp + "." + body)>",
// sent in the webhook-id, webhook-timestamp and webhook-signature headers. OpenSSL underneath.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";

// A new secret: "whsec_" and the base64 of 32 random bytes (the CSPRNG's). Thread-safe.
std::string new_webhook_secret();

// The key of a secret: the bytes its base64 part decodes to. kInvalidInput when `secret` is not
// "whsec_<base64>" of 24 to 64 bytes (the message never contains the secret). Thread-safe.
Result<std::string> webhook_key(std::string_view secret);

// "v1,<base64 of HMAC-SHA256(key of `secret`, id.timestamp.body)>" for the webhook-signature
// header. Errors: those of webhook_key. Thread-safe.
Result<std::string> sign_webhook(std::string_view secret, std::string_view id, int64_t timestamp_s,
                                 std::string_view body);

}  // namespace polyvox
