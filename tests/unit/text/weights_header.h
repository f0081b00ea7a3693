// Test helper: rewrites the JSON header of a diacritizer weights file (model.py's format: magic,
// version, header length, header, padding to 4 bytes, tensors).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace polyvox::testing_weights {

// `file` with the first `from` of its JSON header replaced by `to` (the header's length and
// padding rewritten, the tensors unchanged).
inline std::string with_header_change(const std::string& file, const std::string& from,
                                      const std::string& to) {
  std::uint32_t len = 0;
  std::memcpy(&len, file.data() + 8, 4);
  std::string header = file.substr(12, len);
  const auto at = header.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) header.replace(at, from.size(), to);
  const std::size_t body = 12 + len + (4 - (12 + len) % 4) % 4;
  std::string out = file.substr(0, 8);
  const auto new_len = static_cast<std::uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&new_len), 4);
  out += header;
  out.append((4 - (12 + header.size()) % 4) % 4, '\0');
  return out + file.substr(body);
}

}  // namespace polyvox::testing_weights
