// POST /covers: an image (PNG or JPEG, at most 1 MB) for the cover of the caller's m4a/m4b
// jobs. Stored under the caller's own blob keys by the SHA-256 of its bytes (the same image
// twice is one blob), and named in a job by the path this answers (core/cover_ref.h), so that a
// job never makes the service fetch a URL and only ever uses its owner's covers.
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "core/cover_ref.h"
#include "log/log.h"
#include "storage/digest.h"

namespace polyvox {
namespace {

HttpResponse upload_cover(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  if (request.body.size() > kMaxCoverBytes) {
    return error_response(413, "PAYLOAD_TOO_LARGE",
                          "a cover is at most " + std::to_string(kMaxCoverBytes) + " bytes");
  }
  const std::span<const unsigned char> bytes(
      reinterpret_cast<const unsigned char*>(request.body.data()), request.body.size());
  const auto image = inspect_cover(bytes);
  if (!image) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                          "a cover is a PNG or JPEG image whose size can be read (sent as the "
                          "request body)");
  }
  const CoverRef cover{digest::sha256_hex(request.body), image->type};
  if (Status s = deps.blobs->put(cover_blob_key(user->id, cover), request.body); !s) {
    return error_response(s.error());
  }
  log::info("cover stored", {{"request_id", request.request_id},
                             {"user", user->name},
                             {"bytes", static_cast<long long>(request.body.size())}});
  nlohmann::json body = {{"cover_url", cover_path(cover)},
                         {"content_type", cover_mime(cover.type)},
                         {"bytes", request.body.size()},
                         {"width", image->width},
                         {"height", image->height}};
  return json_response(201, body.dump());
}

}  // namespace

void register_cover_routes(Router& router, ApiDeps& deps) {
  // Blocking: the blob is stored durably before the answer.
  router.add(
      "POST", "/covers", [&deps](HttpRequest& r) { return upload_cover(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
