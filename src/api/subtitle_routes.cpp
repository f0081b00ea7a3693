// GET /result/{id}/subtitles.vtt and /result/{id}/subtitles.srt: the subtitles of a completed job,
// made from its manifest's word timings (core/subtitles.h), for whoever may read its /result.
#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "core/subtitles.h"

namespace polyvox {
namespace {

enum class SubtitleFormat { kWebVtt, kSrt };

HttpResponse subtitles(HttpRequest& request, ApiDeps& deps, SubtitleFormat format) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, true, deps);
  if (!job) return error_response(job.error());
  if (auto refused = unless_completed(*job)) return std::move(*refused);
  std::vector<BlockSpec> specs;
  for (const BlockRecord& b : job->blocks) specs.push_back(b.spec);
  auto blocks = subtitle_blocks(job->result->manifest_json, specs);
  if (!blocks) return error_response(blocks.error());
  const std::vector<Cue> cues = make_cues(*blocks);
  HttpResponse res;
  res.status = 200;
  if (format == SubtitleFormat::kWebVtt) {
    res.body = to_webvtt(cues);
    res.set_header("Content-Type", "text/vtt; charset=utf-8");
  } else {
    res.body = to_srt(cues);
    res.set_header("Content-Type", "application/x-subrip; charset=utf-8");
  }
  res.set_header("Cache-Control", "private, no-cache");
  return res;
}

}  // namespace

void register_subtitle_routes(Router& router, ApiDeps& deps) {
  // Read-only, from the store and memory: tried on the I/O thread first.
  router.add(
      "GET", "/result/{id}/subtitles.vtt",
      [&deps](HttpRequest& r) { return subtitles(r, deps, SubtitleFormat::kWebVtt); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/result/{id}/subtitles.srt",
      [&deps](HttpRequest& r) { return subtitles(r, deps, SubtitleFormat::kSrt); },
      Execution::kMemoryFirst);
}

}  // namespace polyvox
