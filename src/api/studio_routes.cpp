// The studio, the browser UI: its page at / and its assets under /studio/<build id>/, embedded
// in the binary (src/api/studio_assets.h). Compressed as built (gzip) when the client accepts it;
// the page is revalidated on every load, the assets (whose URL changes with any change) cached
// for good. A strict Content-Security-Policy: scripts, styles and everything else from this
// origin only (media also from blob: URLs, the voice previews the page fetched), no inline script,
// no eval, no frames; the one inline style allowed is the one carrying the page's nonce, new on
// every response: the waveform player (wavesurfer.js) writes its stylesheet into its shadow DOM
// with the nonce the page gives it (<meta name="style-nonce">).
#include <string_view>

#include "api/api_error.h"
#include "api/route_groups.h"
#include "api/studio_assets.h"
#include "core/ids.h"

namespace polyvox {
namespace {

// Where index.html names the style nonce (scripts/build-web.py leaves the page uncompressed so
// that it can be put there per response).
constexpr std::string_view kNonceMark = "{{STYLE_NONCE}}";

std::string content_security_policy(const std::string& style_nonce) {
  return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + style_nonce +
         "'; img-src 'self'; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
         "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

// True when the Accept-Encoding header accepts gzip: "gzip" (or "*") listed without q=0.
bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const std::size_t comma = std::min(header.find(','), header.size());
    std::string_view item = header.substr(0, comma);
    header.remove_prefix(std::min(comma + 1, header.size()));
    const std::size_t semicolon = std::min(item.find(';'), item.size());
    std::string_view coding = item.substr(0, semicolon);
    std::string_view params = item.substr(semicolon);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    std::string lower(coding);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "gzip" && lower != "*") continue;
    std::string compact;
    for (char c : params) {
      if (c != ' ') compact += c;
    }
    const bool refused = compact == ";q=0" || compact == ";q=0." || compact == ";q=0.0" ||
                         compact == ";q=0.00" || compact == ";q=0.000";
    if (!refused) return true;
  }
  return false;
}

HttpResponse asset_response(const StudioAsset& asset, const HttpRequest& request,
                            const char* cache_control) {
  HttpResponse res;
  const bool gzip = !asset.gzip.empty() && accepts_gzip(request.header("accept-encoding"));
  res.body = std::string(gzip ? asset.gzip : asset.identity);
  res.set_header("Content-Type", asset.content_type);
  if (gzip) res.set_header("Content-Encoding", "gzip");
  if (!asset.gzip.empty()) res.set_header("Vary", "Accept-Encoding");
  res.set_header("Cache-Control", cache_control);
  res.set_header("X-Content-Type-Options", "nosniff");
  return res;
}

HttpResponse studio_page(const HttpRequest& request) {
  HttpResponse res = asset_response(*studio_asset("index.html"), request, "no-cache");
  const std::string nonce = random_hex(16);
  for (std::size_t at = res.body.find(kNonceMark); at != std::string::npos;
       at = res.body.find(kNonceMark, at + nonce.size())) {
    res.body.replace(at, kNonceMark.size(), nonce);
  }
  res.set_header("Content-Security-Policy", content_security_policy(nonce));
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  return res;
}

HttpResponse studio_file(const HttpRequest& request) {
  const auto asset = studio_asset(request.param("asset"));
  if (request.param("build") != studio_build_id() || !asset || asset->name == "index.html") {
    return error_response(404, "FILE_NOT_FOUND", "no such studio asset");
  }
  return asset_response(*asset, request, "public, max-age=31536000, immutable");
}

}  // namespace

void register_studio_routes(Router& router, ApiDeps&) {
  router.add("GET", "/", [](HttpRequest& request) { return studio_page(request); });
  router.add("GET", "/studio/{build}/{asset}",
             [](HttpRequest& request) { return studio_file(request); });
}

}  // namespace polyvox
