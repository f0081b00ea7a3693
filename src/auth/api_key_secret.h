// What an API key is made of: "pvx_" and 256 random bits (libsodium's CSPRNG) in unpadded
// base64url, 47 characters in all; stored as its SHA-256, shown with a short prefix that tells
// keys apart without revealing them. A studio session's secret is made the same way
// (auth/session_service.h) under another prefix.
#pragma once

#include <string>
#include <string_view>

namespace polyvox {

// What every API key starts with: a bearer token with it is an API key, not a JWT.
inline constexpr std::string_view kApiKeyPrefix = "pvx_";

// The 43 characters of 32 random bytes in unpadded base64url.
inline constexpr std::size_t kRandomSecretCharacters = 43;

// Length of a key's text: the prefix and the random characters.
inline constexpr std::size_t kApiKeyLength = kApiKeyPrefix.size() + kRandomSecretCharacters;

struct NewApiKeySecret {
  std::string key;             // the text given to the user once
  std::string hash;            // api_key_hash(key)
  std::string display_prefix;  // api_key_display_prefix(key)
};

// A fresh random key. Thread-safe.
NewApiKeySecret new_api_key_secret();

// `prefix` and 256 fresh random bits in unpadded base64url (43 characters). Thread-safe.
std::string new_random_secret(std::string_view prefix);

// True when `text` is `prefix` and 43 base64url characters (what new_random_secret makes).
bool is_random_secret_form(std::string_view text, std::string_view prefix);

// SHA-256 of `text`, 64 lower-case hex digits: what the stores find a secret by.
std::string secret_hash(std::string_view text);

// True when `text` has the form of a key (prefix, length, base64url alphabet): only such text
// is looked up.
bool is_api_key_form(std::string_view text);

// SHA-256 of `key`'s text, 64 lower-case hex digits: what the stores find a key by.
std::string api_key_hash(std::string_view key);

// The part of a key shown in listings: the prefix and its first 6 characters ("pvx_Ab12Cd"),
// 36 of its 256 bits. REQUIRES: is_api_key_form(key).
std::string api_key_display_prefix(std::string_view key);

}  // namespace polyvox
