// Splitting text that is longer than a provider accepts in one request: at sentence ends first,
// then at clause boundaries (commas, semicolons, colons, dashes), then at spaces, and only as a
// last resort inside a word. Parts are spoken separately and joined in order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

// Parts of `text`, each at most `max_chars` code points (REQUIRES: max_chars >= 1), which
// concatenated give back `text` exactly. Empty text gives no part. Pure.
std::vector<std::string> split_text(std::string_view text, std::size_t max_chars);

}  // namespace polyvox
