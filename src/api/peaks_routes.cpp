// GET /result/{id}/peaks: the final file's waveform as min/max pairs at kPeaksPerSecond (fewer
// past kMaxPeakPairs: audio/peaks.h), for the studio's player, so that the browser never decodes
// the file. Computed on the first request for a job, from its segments one at a time (the final
// file is made of them, placed as its manifest says, so the peaks are the same, and memory holds
// one block's samples, not a two-hour file's), then stored beside the final file ("<result
// key>.peaks.json": the orphan sweep keeps it with its job and removes it with it) and served from
// there. Computing it on demand keeps the workers' path unchanged and costs nothing for the jobs
// nobody opens in the studio.
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/json_writer.h"
#include "api/route_groups.h"
#include "audio/decoder.h"
#include "audio/peaks.h"
#include "jobs/peaks_key.h"

namespace polyvox {
namespace {

double rounded(float value) { return std::round(static_cast<double>(value) * 1e4) / 1e4; }

// Where each block's speech starts in the final file, and the file's length, in samples at
// `sample_rate`, from the job's manifest (times in ms with 3 decimals: exact to the sample).
struct Placement {
  std::vector<int64_t> offsets;
  int64_t total = 0;
};

Result<Placement> placement_of(const JobRecord& job, int sample_rate) {
  const auto manifest = nlohmann::json::parse(job.result->manifest_json, nullptr, false);
  auto samples = [sample_rate](const nlohmann::json& ms) {
    return static_cast<int64_t>(std::llround(ms.get<double>() * sample_rate / 1000.0));
  };
  Placement placement;
  if (!manifest.is_object() || !manifest.contains("duration_ms") ||
      !manifest["duration_ms"].is_number() || !manifest.contains("blocks") ||
      !manifest["blocks"].is_array() || manifest["blocks"].size() != job.blocks.size()) {
    return Error{ErrorKind::kInternal, "the job's manifest does not place its blocks", ""};
  }
  for (const auto& block : manifest["blocks"]) {
    if (!block.contains("offset_ms") || !block["offset_ms"].is_number()) {
      return Error{ErrorKind::kInternal, "the job's manifest does not place its blocks", ""};
    }
    placement.offsets.push_back(samples(block["offset_ms"]));
  }
  placement.total = samples(manifest["duration_ms"]);
  return placement;
}

// The peaks document of a completed job, from its segments in block order, each decoded alone
// and placed where the manifest says its speech starts (the final file lays segments so that
// their encoders' priming and padding replace part of a pause: decoded alone, a segment is
// shorter than its place, and what it lacks is silence).
Result<std::string> compute_peaks(const JobRecord& job, ApiDeps& deps) {
  std::optional<audio::PeakAccumulator> peaks;
  Placement placement;
  int sample_rate = 0;
  int per_second = audio::kPeaksPerSecond;
  for (std::size_t i = 0; i < job.blocks.size(); ++i) {
    const BlockRecord& block = job.blocks[i];
    if (!block.result) {
      return Error{ErrorKind::kInternal, "block " + std::to_string(i) + " has no segment", ""};
    }
    auto bytes = deps.blobs->get(block.result->segment_key);
    if (!bytes) return bytes.take_error();
    auto pcm = audio::decode_audio(audio::EncodedAudio{std::move(bytes.value())});
    if (!pcm) return pcm.take_error();
    if (!peaks) {
      sample_rate = pcm->sample_rate;
      auto placed = placement_of(job, sample_rate);
      if (!placed) return placed.take_error();
      placement = std::move(placed.value());
      per_second = audio::peaks_per_second_for(placement.total, sample_rate);
      peaks.emplace(sample_rate, per_second);
    } else if (pcm->sample_rate != sample_rate) {
      return Error{ErrorKind::kInternal, "the job's segments have different sample rates", ""};
    }
    const int64_t start = placement.offsets[i];
    const int64_t end =
        i + 1 < placement.offsets.size() ? placement.offsets[i + 1] : placement.total;
    peaks->add_silence(start - peaks->samples());
    const auto room = static_cast<std::size_t>(std::max<int64_t>(0, end - peaks->samples()));
    peaks->add(std::span<const float>(pcm->samples).first(std::min(room, pcm->samples.size())));
  }
  if (peaks) peaks->add_silence(placement.total - peaks->samples());
  // Written as text directly: a tree of up to two million numbers would take a hundred times the
  // memory of the pairs themselves.
  const int64_t samples = peaks ? peaks->samples() : 0;
  JsonWriter out;
  out.begin_object()
      .member("job_id", job.id)
      .member("peaks_per_second", per_second)
      .member("sample_rate", sample_rate)
      .member("duration_ms", sample_rate > 0 ? std::round(1e6 * samples / sample_rate) / 1e3 : 0.0)
      .key("peaks")
      .begin_array();
  if (peaks) {
    for (float v : peaks->pairs()) out.value(rounded(v));
  }
  out.end_array().end_object();
  return out.take();
}

// GET /result/{id}/peaks
HttpResponse peaks(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, true, deps);
  if (!job) return error_response(job.error());
  if (auto refused = unless_completed(*job)) return std::move(*refused);
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
