// A Redis reply as plain owned data (a copy of hiredis's reply tree), so that nothing outside
// redis_connection.cpp sees hiredis types, plus the conversions the stores need.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace polyvox::redis {

struct Value {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Value> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  bool is_array() const { return type == Type::kArray; }

  // The integer of an integer reply, or of a string reply holding one; nullopt otherwise.
  std::optional<int64_t> as_int() const;
  // The text of a string or status reply, "" otherwise.
  const std::string& text() const;
  // A flat [field, value, field, value, ...] array (HGETALL) as a map; empty for anything else.
  std::map<std::string, std::string> as_map() const;
};

// An error reply's first word ("NOSCRIPT", "NOGROUP", "LOADING", ...).
std::string error_code(const Value& reply);

}  // namespace polyvox::redis
