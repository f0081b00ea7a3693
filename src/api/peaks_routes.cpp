// GET /result/{id}/peaks: the final file's waveform as min/max pairs at kPeaksPerSecond, for the
// studio's player, so that the browser never decodes the file. Computed on the first request
// for a job, from its segments one at a time (the final file is their concatenation, so the
// peaks are the same, and memory holds one block's samples, not a two-hour file's), then stored
// beside the final file ("<result key>.peaks.json": the orphan sweep keeps it with its job and
// removes it with it) and served from there. Computing it on demand keeps the workers' path
// unchanged and costs nothing for the jobs nobody opens in the studio.
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "audio/decoder.h"
#include "audio/peaks.h"
#include "jobs/peaks_key.h"

namespace polyvox {
namespace {

constexpr int kPeaksPerSecond = 50;

double rounded(float value) { return std::round(static_cast<double>(value) * 1e4) / 1e4; }

// The peaks document of a completed job, from its segments in block order.
Result<std::string> compute_peaks(const JobRecord& job, ApiDeps& deps) {
  std::optional<audio::PeakAccumulator> peaks;
  int sample_rate = 0;
  for (const BlockRecord& block : job.blocks) {
    if (!block.result) {
      return Error{ErrorKind::kInternal, "block " + std::to_string(block.index) + " has no segment",
                   ""};
    }
    auto bytes = deps.blobs->get(block.result->segment_key);
    if (!bytes) return bytes.take_error();
    auto pcm = audio::decode_audio(audio::EncodedAudio{std::move(bytes.value())});
    if (!pcm) return pcm.take_error();
    if (!peaks) {
      sample_rate = pcm->sample_rate;
      peaks.emplace(sample_rate, kPeaksPerSecond);
    } else if (pcm->sample_rate != sample_rate) {
      return Error{ErrorKind::kInternal, "the job's segments have different sample rates", ""};
    }
    peaks->add(pcm->samples);
  }
  nlohmann::json values = nlohmann::json::array();
  if (peaks) {
    for (float v : peaks->pairs()) values.push_back(rounded(v));
  }
  const int64_t samples = peaks ? peaks->samples() : 0;
  nlohmann::json body = {
      {"job_id", job.id},
      {"peaks_per_second", kPeaksPerSecond},
      {"sample_rate", sample_rate},
      {"duration_ms", sample_rate > 0 ? std::round(1e6 * samples / sample_rate) / 1e3 : 0.0},
      {"peaks", std::move(values)}};
  return json_text(body);
}

// GET /result/{id}/peaks
HttpResponse peaks(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto found = completed_job_for(request, *user, true, deps);
  if (auto* refused = std::get_if<HttpResponse>(&found)) return std::move(*refused);
  const JobRecord* job = &std::get<JobRecord>(found);
  const std::string key = peaks_key(job->result->result_key);
  auto stored = deps.blobs->get(key);
  std::string body;
  if (stored) {
    body = std::move(stored.value());
  } else if (stored.error().kind == ErrorKind::kNotFound) {
    auto computed = compute_peaks(*job, deps);
    if (!computed) return error_response(computed.error());
    body = std::move(computed.value());
    // Not storing it only costs the next request the same work again.
    (void)deps.blobs->put(key, body);
  } else {
    return error_response(stored.error());
  }
  HttpResponse res = json_response(200, std::move(body));
  res.set_header("Cache-Control", "private, max-age=31536000, immutable");
  return res;
}

}  // namespace

void register_peaks_routes(Router& router, ApiDeps& deps) {
  // Blocking: reads (and on the first request decodes) the job's audio from the blob store.
  router.add(
      "GET", "/result/{id}/peaks", [&deps](HttpRequest& r) { return peaks(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
