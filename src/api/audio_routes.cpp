#include <memory>

#include "api/api_error.h"
#include "api/audio_stream.h"
#include "api/handler_support.h"
#include "api/range.h"
#include "api/route_groups.h"

namespace polyvox {
namespace {

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match == "*") return true;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view candidate = if_none_match.substr(0, comma);
    while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);  // weak comparison
    if (candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

// Serves blob `key` with conditional and range support. Large files are streamed from the blob
// store in chunks, never read whole.
HttpResponse serve_blob(const HttpRequest& request, ApiDeps& deps, const std::string& key,
                        const std::string& content_type, const std::string& filename) {
  auto info = deps.blobs->stat(key);
  if (!info) {
    if (info.error().kind == ErrorKind::kNotFound) {
      return error_response(404, "FILE_NOT_FOUND", "The audio file is no longer available");
    }
    return error_response(info.error());
  }
  const std::string etag = "\"" + info->etag + "\"";
  HttpResponse res;
  res.set_header("ETag", etag);
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Cache-Control", "private, max-age=0, must-revalidate");
  if (etag_matches(request.header("if-none-match"), etag)) {
    res.status = 304;
    return res;
  }
  RangeDecision range{RangeKind::kWhole, {0, info->size}};
  const std::string_view range_header = request.header("range");
  const std::string_view if_range = request.header("if-range");
  if (!range_header.empty() && (if_range.empty() || if_range == etag)) {
    range = decide_range(range_header, info->size);
  }
  if (range.kind == RangeKind::kUnsatisfiable) {
    HttpResponse unsatisfiable = error_response(
        416, "RANGE_NOT_SATISFIABLE", "the file has " + std::to_string(info->size) + " bytes");
    unsatisfiable.set_header("Content-Range", "bytes */" + std::to_string(info->size));
    return unsatisfiable;
  }
  if (range.kind == RangeKind::kWhole) range.range = {0, info->size};
  res.status = range.kind == RangeKind::kPartial ? 206 : 200;
  res.set_header("Content-Type", content_type);
  res.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  if (res.status == 206) {
    res.set_header("Content-Range",
                   "bytes " + std::to_string(range.range.offset) + "-" +
                       std::to_string(range.range.offset + range.range.length - 1) + "/" +
                       std::to_string(info->size));
  }
  res.stream_length = range.range.length;
  if (request.method == "HEAD" || range.range.length == 0) {
    res.stream = [](char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; };
    return res;
  }
  auto reader = deps.blobs->open(key, range.range.offset, range.range.length);
  if (!reader) {
    if (reader.error().kind == ErrorKind::kNotFound) {
      return error_response(404, "FILE_NOT_FOUND", "The audio file is no longer available");
    }
    return error_response(reader.error());
  }
  std::shared_ptr<BlobReader> shared(std::move(reader.value()));
  res.stream = [shared](char* buffer, std::size_t size) { return shared->read(buffer, size); };
  return res;
}

// GET|HEAD /result/{id}/audio
HttpResponse final_audio(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, false, deps);
  if (!job) return error_response(job.error());
  if (auto refused = unless_completed(*job)) return std::move(*refused);
  return serve_blob(request, deps, job->result->result_key, output_format_mime(job->output_format),
                    std::string("final_audio.") + output_format_name(job->output_format));
}

// GET|HEAD /result/{id}/block/{index}/audio: a block's segment, as soon as the block is done.
HttpResponse block_audio(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, false, deps);
  if (!job) return error_response(job.error());
  const std::string& index_text = request.param("index");
  if (index_text.empty() || index_text.size() > 6 ||
      index_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(index_text) >= job->blocks_total) {
    return error_response(404, "FILE_NOT_FOUND",
                          "no block " + index_text + " in this job (it has " +
                              std::to_string(job->blocks_total) + ")");
  }
  const std::size_t index = std::stoul(index_text);
  auto work = deps.jobs->get_block(job->id, index);
  if (!work) return error_response(work.error());
  if (work->block.status != BlockStatus::kDone || !work->block.result) {
    return error_response(
        400, "JOB_NOT_COMPLETE",
        std::string("Block is not done (status: ") + block_status_name(work->block.status) + ")");
  }
  return serve_blob(request, deps, work->block.result->segment_key,
                    output_format_mime(job->output_format),
                    "block_" + index_text + "." + output_format_name(job->output_format));
}

// GET /result/{id}/stream: the combined audio while the job renders (api/audio_stream.h).
HttpResponse stream_audio(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto seen = job_for(request.param("id"), *user, false, deps);
  if (!seen) return error_response(seen.error());
  return progressive_audio(*seen, deps);
}

}  // namespace

HttpResponse progressive_audio(const JobRecord& seen, ApiDeps& deps) {
  if (!deps.events || !deps.stream_pool) {
    return error_response(
        Error{ErrorKind::kUnavailable, "audio streams are not available on this node", ""});
  }
  auto stream = AudioStream::create(*deps.events, *deps.jobs, *deps.blobs, *deps.stream_pool,
                                    seen.id, seen.output_format, seen.blocks_total);
  stream->subscribe();  // before reading the job: nothing placed meanwhile is missed
  auto job = deps.jobs->get_job(seen.id, true);
  if (!job) return error_response(job.error());
  stream->start(*job);
  HttpResponse res;
  res.set_header("Content-Type", output_format_mime(job->output_format));
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.live = std::move(stream);
  return res;
}

void register_audio_routes(Router& router, ApiDeps& deps) {
  // Blocking: stat() and open() reach a remote store (S3, Cloudinary) over the network.
  router.add(
      "GET", "/result/{id}/audio", [&deps](HttpRequest& r) { return final_audio(r, deps); },
      Execution::kBlocking);
  router.add(
      "GET", "/result/{id}/block/{index}/audio",
      [&deps](HttpRequest& r) { return block_audio(r, deps); }, Execution::kBlocking);
  router.add(
      "GET", "/result/{id}/stream", [&deps](HttpRequest& r) { return stream_audio(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
