#include "jobs/redis/redis_value.h"

#include <charconv>

namespace polyvox::redis {

std::optional<int64_t> Value::as_int() const {
  if (type == Type::kInteger) return integer;
  if (type != Type::kString || str.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(str.data(), str.data() + str.size(), value);
  if (ec != std::errc() || end != str.data() + str.size()) return std::nullopt;
  return value;
}

const std::string& Value::text() const {
  static const std::string kEmpty;
  return type == Type::kString || type == Type::kStatus ? str : kEmpty;
}

std::map<std::string, std::string> Value::as_map() const {
  std::map<std::string, std::string> fields;
  if (type != Type::kArray) return fields;
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].str] = elements[i + 1].type == Type::kInteger
                                  ? std::to_string(elements[i + 1].integer)
                                  : elements[i + 1].str;
  }
  return fields;
}

std::string error_code(const Value& reply) {
  if (!reply.is_error()) return "";
  return reply.str.substr(0, reply.str.find(' '));
}

}  // namespace polyvox::redis
