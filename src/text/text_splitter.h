// Splitting text that is longer than a provider accepts in one request: at sentence ends first,
// then at clause boundaries (commas, semicolons, colons, dashes), then at spaces, and only as a
// last resort inside a word, never between a letter and its combining marks (unless a window
// holds nothing else). Parts are spoken separately and joined in order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

// Parts of `text`, each at most `max_chars` code points (REQUIRES: max_chars >= 1), which
// concatenated give back `text` exactly. Empty text gives no part. Pure.
std::vector<std::string> split_text(std::string_view text, std::size_t max_chars);

// The sentences of `text`: cut after each sentence end (. ! ? … and the Arabic and CJK full
// stops and question mark, followed by white space or the end) and at line breaks, each part
// trimmed of white space, empty ones dropped. A part with no letter or digit ("...", "—") is
// joined to the sentence before it (or after it, when first). Pure.
std::vector<std::string> split_sentences(std::string_view text);

}  // namespace polyvox
