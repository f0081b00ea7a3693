#include "core/cover_ref.h"

#include <algorithm>
#include <cstdint>

namespace polyvox {
namespace {

constexpr std::string_view kPrefix = "/covers/";
constexpr std::size_t kDigestChars = 64;

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

const char* cover_extension(CoverType type) { return type == CoverType::kPng ? "png" : "jpg"; }

const char* cover_mime(CoverType type) {
  return type == CoverType::kPng ? "image/png" : "image/jpeg";
}

std::optional<CoverType> sniff_cover(std::span<const unsigned char> image) {
  constexpr unsigned char kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (image.size() >= sizeof kPngSignature &&
      std::equal(std::begin(kPngSignature), std::end(kPngSignature), image.begin())) {
    return CoverType::kPng;
  }
  if (image.size() >= 3 && image[0] == 0xFF && image[1] == 0xD8 && image[2] == 0xFF) {
    return CoverType::kJpeg;
  }
  return std::nullopt;
}

namespace {

uint32_t big_endian(std::span<const unsigned char> b, std::size_t at, std::size_t bytes) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | b[at + i];
  return v;
}

// The dimensions in a JPEG's first SOFn segment (any of FFC0..FFCF but DHT C4, JPG C8, DAC CC).
std::optional<CoverImage> jpeg_dimensions(std::span<const unsigned char> b) {
  std::size_t at = 2;  // after SOI
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) return std::nullopt;
    const unsigned char marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const std::size_t length = big_endian(b, at + 2, 2);
    if (length < 2) return std::nullopt;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (at + 9 > b.size()) return std::nullopt;
      return CoverImage{CoverType::kJpeg, static_cast<int>(big_endian(b, at + 7, 2)),
                        static_cast<int>(big_endian(b, at + 5, 2))};
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan or end before a frame
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<CoverImage> inspect_cover(std::span<const unsigned char> image) {
  const auto type = sniff_cover(image);
  if (!type) return std::nullopt;
  std::optional<CoverImage> found;
  if (*type == CoverType::kPng) {
    // Signature (8), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4).
    if (image.size() < 24 || big_endian(image, 12, 4) != 0x49484452) return std::nullopt;
    found = CoverImage{CoverType::kPng, static_cast<int>(big_endian(image, 16, 4) & 0x7FFFFFFF),
                       static_cast<int>(big_endian(image, 20, 4) & 0x7FFFFFFF)};
  } else {
    found = jpeg_dimensions(image);
  }
  if (!found || found->width <= 0 || found->height <= 0 || found->width > kMaxCoverSide ||
      found->height > kMaxCoverSide) {
    return std::nullopt;
  }
  return found;
}

std::string cover_path(const CoverRef& cover) {
  return std::string(kPrefix) + cover.sha256 + "." + cover_extension(cover.type);
}

Result<CoverRef> parse_cover_path(std::string_view url, const std::string& field) {
  const std::string expected =
      "must be the path of a cover uploaded with POST /covers (/covers/<sha256>.png or .jpg)";
  if (url.find("://") != std::string_view::npos || url.starts_with("//")) {
    return invalid_input(field, expected + "; URLs of other hosts are never fetched");
  }
  if (!url.starts_with(kPrefix)) return invalid_input(field, expected);
  std::string_view rest = url.substr(kPrefix.size());
  CoverRef cover;
  if (rest.size() == kDigestChars + 4 && rest.ends_with(".png")) {
    cover.type = CoverType::kPng;
  } else if (rest.size() == kDigestChars + 4 && rest.ends_with(".jpg")) {
    cover.type = CoverType::kJpeg;
  } else {
    return invalid_input(field, expected);
  }
  rest = rest.substr(0, kDigestChars);
  if (!std::all_of(rest.begin(), rest.end(), is_lower_hex)) return invalid_input(field, expected);
  cover.sha256 = std::string(rest);
  return cover;
}

std::string cover_blob_key(const std::string& owner, const CoverRef& cover) {
  return "covers/" + owner + "/" + cover.sha256 + "." + cover_extension(cover.type);
}

}  // namespace polyvox
