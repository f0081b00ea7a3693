// Comparing a presented secret (a bearer token such as METRICS_TOKEN) with the configured one in
// time that reveals neither where they differ nor the configured one's length.
#pragma once

#include <string_view>

namespace polyvox {

// True when `presented` equals `expected`: both are hashed (BLAKE2b-256) and the digests
// compared in constant time. Thread-safe.
bool secrets_equal(std::string_view presented, std::string_view expected);

}  // namespace polyvox
