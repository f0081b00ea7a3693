// The studio's files (web/ and the third-party modules it uses), embedded at build time by
// scripts/build-web.py, each with its gzip form when that is smaller. index.html names the
// others under /studio/<studio_build_id()>/.
#pragma once

#include <optional>
#include <string_view>

namespace polyvox {

struct StudioAsset {
  std::string_view name;  // "index.html", "app.js", ...
  const char* content_type;
  std::string_view identity;  // the file's bytes
  std::string_view gzip;      // the same gzipped; empty when gzip would not make it smaller
};

// A digest of every asset: changes whenever any asset does.
std::string_view studio_build_id();

// The asset called `name`, or nullopt.
std::optional<StudioAsset> studio_asset(std::string_view name);

}  // namespace polyvox
