#include <string_view>

#include "api/api_error.h"
#include "api/docs_assets.h"
#include "api/route_groups.h"

namespace polyvox {
namespace {

constexpr std::string_view kDocsPage = R"HTML(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Polyvox API</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html",
      persistAuthorization: true
    });
  </script>
</body>
</html>
)HTML";

HttpResponse static_response(std::string_view body, const char* type) {
  HttpResponse res;
  res.body = std::string(body);
  res.set_header("Content-Type", type);
  res.set_header("Cache-Control", "public, max-age=3600");
  return res;
}

}  // namespace

void register_docs_routes(Router& router, ApiDeps&) {
  router.add("GET", "/openapi.json",
             [](HttpRequest&) { return static_response(openapi_document(), "application/json"); });
  router.add("GET", "/docs",
             [](HttpRequest&) { return static_response(kDocsPage, "text/html; charset=utf-8"); });
  router.add("GET", "/docs/{asset}", [](HttpRequest& request) {
    const auto asset = docs_asset(request.param("asset"));
    if (!asset) return error_response(404, "NOT_FOUND", "no such asset");
    return static_response(asset->content, asset->content_type);
  });
}

}  // namespace polyvox
