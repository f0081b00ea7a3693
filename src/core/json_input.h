// Untrusted JSON text (a request body, a job file) read into a document the validators walk, with
// every problem of the text itself named: where it is malformed, which key is repeated.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/error_list.h"

namespace polyvox {

// Objects keep their keys in document order, so that validators report problems in that order.
using InputJson = nlohmann::ordered_json;

// Parses `text` as one JSON document. kInvalidInput when it is not one:
//   - invalid UTF-8 or malformed JSON: field "", the message naming line and column;
//   - a number beyond what a double holds (1e400): field = the number's path;
//   - a key repeated within one object: field = the path of the second occurrence
//     ("blocks[2].voice"), message "duplicate key"; every repeated key (up to
//     kMaxErrorDetails) is listed in `*details` (when given), in document order.
// On failure `*details` lists the problems (the one returned first); untouched on success.
// Thread-safe.
Result<InputJson> parse_json_input(std::string_view text,
                                   std::vector<ErrorDetail>* details = nullptr);

// The JSON type of `value` as a message says it: "a string", "an array", "null", ...
const char* json_type_name(const InputJson& value);

}  // namespace polyvox
