// Range header parsing (api/range.h) on arbitrary bytes, for representations of several sizes:
// a partial range is never empty and never reaches past the representation's end.
#include <cstdint>
#include <limits>
#include <string_view>

#include "api/range.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  for (const uint64_t length : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, uint64_t{1} << 40,
                                std::numeric_limits<uint64_t>::max()}) {
    const auto decision = polyvox::decide_range(header, length);
    if (decision.kind != polyvox::RangeKind::kPartial) continue;
    check(length > 0, "no partial range of an empty representation");
    check(decision.range.length >= 1, "a partial range is not empty");
    check(decision.range.offset < length, "a partial range starts inside");
    check(decision.range.length <= length - decision.range.offset, "a partial range ends inside");
  }
  return 0;
}
