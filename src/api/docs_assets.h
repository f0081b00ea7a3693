// Files embedded in the binary at build time: the OpenAPI document (src/api/openapi.json) and
// the Swagger UI assets fetched from npm by scripts/fetch-web-assets.sh.
#pragma once

#include <optional>
#include <string_view>

namespace polyvox {

struct DocsAsset {
  std::string_view content;
  const char* content_type;
};

std::string_view openapi_document();

// The Swagger UI file called `name` ("swagger-ui.css", ...), or nullopt.
std::optional<DocsAsset> docs_asset(std::string_view name);

}  // namespace polyvox
