// Untrusted JSON text (a request body, a job file) read into a document the validators walk, with
// every problem of the text itself named: where it is malformed, which key is repeated.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/error_list.h"

namespace polyvox {

// Objects keep their keys in document order, so that validators report problems in that order.
using InputJson = nlohmann::ordered_json;

// The deepest nesting of arrays and objects accepted in JSON from outside. Nothing Polyvox reads
// nests past 8; without a bound, a body of 20 MB of "[" costs gigabytes as a document (each
// level an allocation) and a recursive walk of it (nlohmann's dump()) overflows the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;
// The most keys one object may have in JSON read by parse_json_input. Nothing Polyvox reads has
// 30; an ordered object finds each new key by a linear search, so without a bound a body of a
// million keys costs hours of CPU.
inline constexpr std::size_t kMaxJsonObjectKeys = 256;

// The byte offset of the first "[" or "{" (outside strings) that opens a level deeper than
// `max_depth`, or nullopt. Reads `text` once without allocating; it does not otherwise check
// that `text` is JSON. Thread-safe.
std::optional<std::size_t> json_depth_exceeded_at(std::string_view text,
                                                  std::size_t max_depth = kMaxJsonDepth);

// JSON from outside that no validator walks by path (vendor answers, a server's answers to the
// CLI, small request bodies, tokens): nlohmann's parse without exceptions, but nested at most
// kMaxJsonDepth deep, checked before anything is allocated. A discarded value
// (is_discarded()) when the text is malformed or nested deeper. Thread-safe.
nlohmann::json parse_untrusted_json(std::string_view text);

// Parses `text` as one JSON document. kInvalidInput when it is not one:
//   - invalid UTF-8 or malformed JSON: field "", the message naming line and column;
//   - nested deeper than kMaxJsonDepth: field "", the message naming line and column (the
//     parser never holds more levels than that);
//   - an object of more than kMaxJsonObjectKeys keys: field = the object's path, "has more
//     than 256 keys" (stopped at the key too many);
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
