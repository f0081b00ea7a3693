// Cover images of m4a/m4b files: a job names one by its path on this service
// ("/covers/<sha256>.<png|jpg>", answered by POST /covers), never by a URL of another host, so
// that no job can make the service fetch anything (request forgery). Each user's covers are kept
// under their own blob keys, so a job can only use a cover of its owner. Pure: no I/O.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

// Largest cover accepted, in bytes.
inline constexpr std::size_t kMaxCoverBytes = 1024 * 1024;

enum class CoverType { kPng, kJpeg };

struct CoverRef {
  std::string sha256;  // 64 lowercase hex digits: the SHA-256 of the image's bytes
  CoverType type = CoverType::kPng;
};

// "png" or "jpg": the extension of its path.
const char* cover_extension(CoverType type);
// "image/png" or "image/jpeg".
const char* cover_mime(CoverType type);

// What the first bytes of `image` say it is: PNG (its 8-byte signature) or JPEG (FF D8 FF);
// nullopt for anything else. Pure.
std::optional<CoverType> sniff_cover(std::span<const unsigned char> image);

struct CoverImage {
  CoverType type = CoverType::kPng;
  int width = 0;  // pixels, > 0
  int height = 0;
};

// The largest width or height of a cover: the MP4 muxer refuses a picture larger on a side.
inline constexpr int kMaxCoverSide = 65535;

// The type and dimensions of `image`: a PNG's IHDR, a JPEG's first start-of-frame segment;
// nullopt when it is neither, they cannot be read (a muxer needs them), or a side is over
// kMaxCoverSide. Pure.
std::optional<CoverImage> inspect_cover(std::span<const unsigned char> image);

// "/covers/<sha256>.<ext>": the path a job's cover_url names.
std::string cover_path(const CoverRef& cover);

// Parses a job's cover_url. Fails (kInvalidInput naming `field`) for anything but a path of the
// form cover_path() makes; a URL with a scheme or a host is refused by name. Pure.
Result<CoverRef> parse_cover_path(std::string_view url, const std::string& field);

// The blob key of `owner`'s cover (owner: a user id, which is made of safe characters).
std::string cover_blob_key(const std::string& owner, const CoverRef& cover);

}  // namespace polyvox
