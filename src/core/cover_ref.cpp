#include "core/cover_ref.h"

#include <algorithm>

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
