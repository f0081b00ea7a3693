// Cover images and their paths (core/cover_ref.h) on arbitrary bytes: inspect_cover reads a
// PNG's IHDR or a JPEG's first start-of-frame segment without reading past the bytes it is
// given, agrees with sniff_cover on the type and gives positive dimensions; parse_cover_path
// accepts only what cover_path makes (and reads it back), whatever the text.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/cover_ref.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::span<const unsigned char> bytes(data, size);
  const auto sniffed = polyvox::sniff_cover(bytes);
  const auto image = polyvox::inspect_cover(bytes);
  if (image) {
    check(sniffed && *sniffed == image->type, "inspect_cover agrees with sniff_cover");
    check(image->width > 0 && image->height > 0, "a cover has positive dimensions");
    check(image->width <= polyvox::kMaxCoverSide && image->height <= polyvox::kMaxCoverSide,
          "a cover's sides fit the MP4 muxer");
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ref = polyvox::parse_cover_path(text, "cover_url");
  if (ref) {
    check(ref->sha256.size() == 64, "a cover path names a SHA-256");
    for (const char c : ref->sha256) {
      check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "lowercase hex digits");
    }
    check(polyvox::cover_path(*ref) == text, "only what cover_path makes is accepted");
    const std::string key = polyvox::cover_blob_key("user", *ref);
    check(key.find("..") == std::string::npos, "a cover's blob key stays in its place");
  } else {
    check(ref.error().field == "cover_url", "the error names the field");
  }
  return 0;
}
