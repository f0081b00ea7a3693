// HTTP Range requests (RFC 9110 §14): a single byte range of a representation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace polyvox {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

enum class RangeKind {
  kWhole,          // no usable Range header: send everything (200)
  kPartial,        // send `range` (206)
  kUnsatisfiable,  // 416
};

struct RangeDecision {
  RangeKind kind = RangeKind::kWhole;
  ByteRange range;
};

// Interprets a Range header value for a representation of `size` bytes. Multiple ranges and
// malformed values are ignored (the whole representation is sent), as the RFC allows.
RangeDecision decide_range(std::string_view header, uint64_t size);

}  // namespace polyvox
