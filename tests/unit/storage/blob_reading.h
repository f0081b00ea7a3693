// Helpers of the blob store tests: read a BlobReader to its end, make recognizable bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/blob_store.h"

namespace polyvox::test_support {

// Everything `reader` yields, read `step` bytes at a time; a failed read fails the test.
inline std::string read_all(BlobReader& reader, std::size_t step = 64 * 1024) {
  std::string out;
  std::vector<char> buffer(step);
  while (true) {
    auto n = reader.read(buffer.data(), buffer.size());
    EXPECT_TRUE(n.ok()) << n.error().message;
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
  }
  return out;
}

// `n` pseudo-random bytes, the same for the same seed.
inline std::string pattern(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace polyvox::test_support
