#include <cstring>
#include <functional>
#include <memory>

#include "api/api_error.h"
#include "api/audio_stream.h"
#include "api/handler_support.h"
#include "api/range.h"
#include "api/route_groups.h"
#include "audio/final_encoder.h"

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

HttpResponse file_gone() {
  return error_response(404, "FILE_NOT_FOUND", "The audio file is no longer available");
}

// A body to serve: its size, its entity tag (unquoted) and how to read a range of it.
struct BodySource {
  uint64_t size = 0;
  std::string etag;
  std::function<Result<BodyStream>(uint64_t offset, uint64_t length)> open;
};

// Serves `source` with conditional and range support.
HttpResponse serve_body(const HttpRequest& request, const BodySource& source,
                        const std::string& content_type, const std::string& filename) {
  const std::string etag = "\"" + source.etag + "\"";
  HttpResponse res;
  res.set_header("ETag", etag);
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Cache-Control", "private, max-age=0, must-revalidate");
  if (etag_matches(request.header("if-none-match"), etag)) {
    res.status = 304;
    return res;
  }
  RangeDecision range{RangeKind::kWhole, {0, source.size}};
  const std::string_view range_header = request.header("range");
  const std::string_view if_range = request.header("if-range");
  if (!range_header.empty() && (if_range.empty() || if_range == etag)) {
    range = decide_range(range_header, source.size);
  }
  if (range.kind == RangeKind::kUnsatisfiable) {
    HttpResponse unsatisfiable = error_response(
        416, "RANGE_NOT_SATISFIABLE", "the file has " + std::to_string(source.size) + " bytes");
    unsatisfiable.set_header("Content-Range", "bytes */" + std::to_string(source.size));
    return unsatisfiable;
  }
  if (range.kind == RangeKind::kWhole) range.range = {0, source.size};
  res.status = range.kind == RangeKind::kPartial ? 206 : 200;
  res.set_header("Content-Type", content_type);
  res.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  if (res.status == 206) {
    res.set_header("Content-Range",
                   "bytes " + std::to_string(range.range.offset) + "-" +
                       std::to_string(range.range.offset + range.range.length - 1) + "/" +
                       std::to_string(source.size));
  }
  res.stream_length = range.range.length;
  if (request.method == "HEAD" || range.range.length == 0) {
    res.stream = [](char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; };
    return res;
  }
  auto body = source.open(range.range.offset, range.range.length);
  if (!body) {
    if (body.error().kind == ErrorKind::kNotFound) return file_gone();
    return error_response(body.error());
  }
  res.stream = std::move(body.value());
  return res;
}

// Serves blob `key`. Large files are streamed from the blob store in chunks, never read whole.
HttpResponse serve_blob(const HttpRequest& request, ApiDeps& deps, const std::string& key,
                        const std::string& content_type, const std::string& filename) {
  auto info = deps.blobs->stat(key);
  if (!info) {
    if (info.error().kind == ErrorKind::kNotFound) return file_gone();
    return error_response(info.error());
  }
  BlobStore& blobs = *deps.blobs;
  const BodySource source{info->size, info->etag,
                          [&blobs, &key](uint64_t offset, uint64_t length) -> Result<BodyStream> {
                            auto reader = blobs.open(key, offset, length);
                            if (!reader) return reader.take_error();
                            std::shared_ptr<BlobReader> shared(std::move(reader.value()));
                            return BodyStream([shared](char* buffer, std::size_t size) {
                              return shared->read(buffer, size);
                            });
                          }};
  return serve_body(request, source, content_type, filename);
}

// Serves `bytes`, made in memory (a block converted to the job's format).
HttpResponse serve_bytes(const HttpRequest& request, std::string bytes, std::string etag,
                         const std::string& content_type, const std::string& filename) {
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  const BodySource source{
      shared->size(), std::move(etag), [shared](uint64_t offset, uint64_t length) {
        auto pos = std::make_shared<uint64_t>(offset);
        const uint64_t end = offset + length;
        return Result<BodyStream>(
            BodyStream([shared, pos, end](char* buffer, std::size_t size) -> Result<std::size_t> {
              const auto n = static_cast<std::size_t>(std::min<uint64_t>(size, end - *pos));
              std::memcpy(buffer, shared->data() + *pos, n);
              *pos += n;
              return n;
            }));
      }};
  return serve_body(request, source, content_type, filename);
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
  const std::string filename = "block_" + index_text + "." + output_format_name(job->output_format);
  const std::string& key = work->block.result->segment_key;
  if (segments_are_output(job->output_format)) {
    return serve_blob(request, deps, key, output_format_mime(job->output_format), filename);
  }
  // Made from the block's lossless segment on request (nothing else is stored: README, Output
  // formats); the same segment and settings always give the same bytes, hence the entity tag.
  auto info = deps.blobs->stat(key);
  if (!info)
    return info.error().kind == ErrorKind::kNotFound ? file_gone() : error_response(info.error());
  const std::string etag = info->etag + "-" + output_format_name(job->output_format) + "-" +
                           std::to_string(job->bitrate_kbps);
  if (etag_matches(request.header("if-none-match"), "\"" + etag + "\"")) {
    return serve_bytes(request, "", etag, output_format_mime(job->output_format), filename);
  }
  auto segment = deps.blobs->get(key);
  if (!segment)
    return segment.error().kind == ErrorKind::kNotFound ? file_gone()
                                                        : error_response(segment.error());
  const AudioOutput output{job->output_format, 0,
                           effective_bitrate_kbps(job->output_format, 0, job->bitrate_kbps, 0)};
  auto bytes = audio::segment_in_format(output, std::move(segment.value()));
  if (!bytes) return error_response(bytes.error());
  return serve_bytes(request, std::move(bytes.value()), etag,
                     output_format_mime(job->output_format), filename);
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
  auto stream =
      AudioStream::create(*deps.events, *deps.jobs, *deps.blobs, *deps.stream_pool, seen.id,
                          seen.output_format, seen.blocks_total, seen.bitrate_kbps);
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
