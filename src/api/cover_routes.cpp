// POST /covers: an image (PNG or JPEG, at most 1 MB) for the cover of the caller's m4a/m4b
// jobs. Stored under the caller's own blob keys by the SHA-256 of its bytes (the same image
// twice is one blob), and named in a job by the path this answers (core/cover_ref.h), so that a
// job never makes the service fetch a URL and only ever uses its owner's covers. A user keeps at
// most MAX_COVERS_PER_USER covers (admins: any number); DELETE /covers/{name} removes one.
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "core/cover_ref.h"
#include "log/log.h"
#include "storage/digest.h"

namespace polyvox {
namespace {

// kQuotaExceeded when `user` already keeps MAX_COVERS_PER_USER covers and `key` is not one of
// them. Counted by listing the user's covers (one listing request on a remote store); a store
// that cannot list is not limited (said once in the log). Two uploads at once may both pass.
Status check_cover_limit(const User& user, const std::string& key, ApiDeps& deps) {
  const int64_t limit = deps.settings.max_covers_per_user;
  if (limit <= 0 || user.admin) return Status::success();
  auto existing = deps.blobs->stat(key);
  if (existing) return Status::success();
  if (existing.error().kind != ErrorKind::kNotFound) return existing.error();
  int64_t kept = 0;
  const Status listed =
      deps.blobs->list("covers/" + user.id + "/", [&kept, limit](const BlobListing&) {
        return ++kept < limit;  // enough counted: stop
      });
  if (!listed) {
    static std::once_flag said;
    std::call_once(said, [&listed] {
      log::warn("covers are not limited: the blob store cannot list them",
                {{"error", listed.error().message}});
    });
    return Status::success();
  }
  if (kept < limit) return Status::success();
  return Error{ErrorKind::kQuotaExceeded,
               "you keep " + std::to_string(limit) +
                   " covers, the most allowed: remove one (DELETE /covers/{name}) first",
               "max_covers_per_user"};
}

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
                          "a cover is a PNG or JPEG image whose size can be read, at most " +
                              std::to_string(kMaxCoverSide) +
                              " pixels a side (sent as the request body)");
  }
  const CoverRef cover{digest::sha256_hex(request.body), image->type};
  const std::string key = cover_blob_key(user->id, cover);
  // The same image again is the same blob: only a new one counts against the limit.
  if (Status s = check_cover_limit(*user, key, deps); !s) return error_response(s.error());
  if (Status s = deps.blobs->put(key, request.body); !s) {
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

// DELETE /covers/{name}: removes one of the caller's covers ("<sha256>.png" or ".jpg", as its
// cover_url ends). A job still waiting for its assembly that names it then fails, saying so.
HttpResponse delete_cover(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto cover = parse_cover_path("/covers/" + request.param("name"), "name");
  if (!cover) return error_response(cover.error());
  const std::string key = cover_blob_key(user->id, *cover);
  auto existing = deps.blobs->stat(key);
  if (!existing) {
    if (existing.error().kind == ErrorKind::kNotFound) {
      return error_response(404, "FILE_NOT_FOUND", "you have no cover " + cover_path(*cover));
    }
    return error_response(existing.error());
  }
  if (Status s = deps.blobs->remove(key); !s) return error_response(s.error());
  log::info("cover removed", {{"request_id", request.request_id}, {"user", user->name}});
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace

void register_cover_routes(Router& router, ApiDeps& deps) {
  // Blocking: the blob is stored (or removed) durably before the answer.
  router.add(
      "POST", "/covers", [&deps](HttpRequest& r) { return upload_cover(r, deps); },
      Execution::kBlocking);
  router.add(
      "DELETE", "/covers/{name}", [&deps](HttpRequest& r) { return delete_cover(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
