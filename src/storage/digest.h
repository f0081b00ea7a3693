// Message digests used to sign storage requests (AWS SigV4, Cloudinary): SHA-256, HMAC-SHA256
// and SHA-1, as raw bytes or lower-case hex. OpenSSL's libcrypto underneath. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox::digest {

// Lower-case hexadecimal of `bytes`.
std::string to_hex(std::string_view bytes);

// SHA-256 of `data`: 32 raw bytes.
std::string sha256(std::string_view data);
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

// SHA-256 of the content of the file at `path` in hex, read in chunks (never held whole). kIo
// when the file cannot be read.
Result<std::string> sha256_file_hex(const std::filesystem::path& path);

// HMAC-SHA256 of `data` under `key`: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// SHA-1 of `data` in hex (40 characters).
std::string sha1_hex(std::string_view data);

}  // namespace polyvox::digest
