// Identifiers and random tokens from the operating system's CSPRNG.
#pragma once

#include <string>

namespace polyvox {

// A random UUID version 4 in canonical form ("8-4-4-4-12" lowercase hex). Thread-safe.
std::string new_uuid4();

// True when `text` is a UUID in canonical form (any version, any case).
bool is_uuid(const std::string& text);

// `bytes` random bytes as lowercase hex. Thread-safe.
std::string random_hex(std::size_t bytes);

}  // namespace polyvox
