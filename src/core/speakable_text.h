// Text that will be spoken, as it comes from outside (a block's "text", /v1's "input"): the one
// check both parsers make.
#pragma once

#include <cstddef>
#include <string>

#include "core/error.h"

namespace polyvox {

// `sent` with Word's hyphens read as what they mean (with_word_processor_hyphens), trimmed;
// kInvalidInput naming `field` when it is empty or only white space (when `required`), longer
// than `max_chars` code points, or holds a control character (named with its place in the text
// as sent). REQUIRES: is_valid_utf8(sent).
Result<std::string> speakable_text(std::string sent, std::size_t max_chars,
                                   const std::string& field, bool required = true);

}  // namespace polyvox
