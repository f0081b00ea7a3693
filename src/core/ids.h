// Identifiers and random tokens from the operating system's CSPRNG.
#pragma once

#include <string>

namespace polyvox {

// A random UUID version 4 in canonical form ("8-4-4-4-12" lowercase hex). Thread-safe.
std::string new_uuid4();

// A UUID-shaped identifier for correlating one request's log lines: unique in practice (a
// per-thread generator seeded once from the CSPRNG) but predictable, so never a secret or a
// stored id. Costs no system call. Thread-safe.
std::string new_request_id();

// True when `text` is a UUID in canonical form (any version, any case).
bool is_uuid(const std::string& text);

// `bytes` random bytes as lowercase hex. Thread-safe.
std::string random_hex(std::size_t bytes);

}  // namespace polyvox
