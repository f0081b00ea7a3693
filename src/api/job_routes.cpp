#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/job_views.h"
#include "api/json_writer.h"
#include "api/route_groups.h"
#include "core/job_parser.h"
#include "core/usage.h"
#include "log/log.h"

namespace polyvox {
namespace {

using nlohmann::json;

json result_url(const JobRecord& job, const std::string& base) {
  if (job.status != JobStatus::kCompleted) return nullptr;
  return base + "/result/" + job.id + "/audio";
}

}  // namespace

HttpResponse accept_job(HttpRequest& request, ApiDeps& deps, const User& user,
                        const std::string& parent_id) {
  if (!is_json_content(request)) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "send the job as application/json");
  }
  std::vector<ErrorDetail> problems;  // every one, not only the first
  std::optional<ParseGate::Pass> pass;
  if (deps.parse_gate) pass.emplace(deps.parse_gate->enter(request.body.size()));
  auto spec = parse_job(request.body, deps.settings.job, *deps.providers, &problems);
  if (!spec) return error_response(spec.error(), "", problems);
  // The rate is fixed at submission, so that every node renders, places and reports the job at
  // the same rate whatever its own OUTPUT_SAMPLE_RATE.
  spec->sample_rate =
      effective_sample_rate(spec->output_format, spec->sample_rate, deps.sample_rate);
  // Checked again at that rate: an MP3 bitrate may be too low for it (the parse saw no rate).
  if (Status s = check_output_settings(spec->output_format, spec->sample_rate, spec->bitrate_kbps);
      !s) {
    return error_response(s.error());
  }
  NewJob job = new_job_for(user, std::move(spec.value()), deps);
  job.parent_id = parent_id;
  if (!job.spec.webhook_url.empty()) job.base_url = base_url(request, deps);
  const std::size_t blocks = job.spec.blocks.size();
  auto created = deps.jobs->create_job(job);
  if (!created && created.error().kind == ErrorKind::kQuotaExceeded) {
    log::info("job refused by a quota", {{"request_id", request.request_id},
                                         {"user", user.name},
                                         {"quota", created.error().field}});
    return error_response(created.error());
  }
  if (!created) {
    log::error("job not stored",
               {{"request_id", request.request_id}, {"error", created.error().message}});
    return error_response(created.error());
  }
  log::info("job accepted", {{"request_id", request.request_id},
                             {"job_id", job.id},
                             {"parent_id", parent_id},
                             {"user", user.name},
                             {"blocks", static_cast<long long>(blocks)}});
  json body{{"job_id", job.id}, {"status", "queued"}};
  if (!parent_id.empty()) body["parent_id"] = parent_id;
  HttpResponse res = json_response(202, json_text(body));
  res.set_header("Location", "/status/" + job.id);
  return res;
}

namespace {

// POST /tts: validate, store durably with its tasks, answer 202.
HttpResponse submit(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  return accept_job(request, deps, *user, "");
}

// GET /status/{id}
HttpResponse status(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_progress_for(request.param("id"), *user, deps);
  if (!job) return error_response(job.error());
  // The most polled route: written straight into the response body.
  return json_response(200, job_status_json(*job, base_url(request, deps)));
}

// A failed job has no result: 409 JOB_FAILED saying why, with each failed block's reason as a
// detail ("blocks[i]").
HttpResponse failed_job_response(const JobRecord& job) {
  std::vector<ErrorDetail> details;
  for (const auto& b : job.blocks) {
    if (b.status == BlockStatus::kFailed) {
      details.push_back({"blocks[" + std::to_string(b.index) + "]", b.error});
    }
  }
  const std::string why = job.error.empty() ? "" : ": " + job.error;
  return error_response(409, "JOB_FAILED", "Job failed" + why,
                        details.empty() ? "" : details.front().field, details);
}

// GET /result/{id}[?words=true]: the manifest's blocks carry their words only when asked.
HttpResponse result(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  const std::string words = request.query_param("words").value_or("false");
  if (words != "true" && words != "false") {
    return error_response(400, "VALIDATION_ERROR", "must be true or false", "words");
  }
  auto job = job_for(request.param("id"), *user, true, deps);
  if (!job) return error_response(job.error());
  if (job->status == JobStatus::kFailed) return failed_job_response(*job);
  if (job->status == JobStatus::kCancelled) {
    return error_response(409, "JOB_CANCELLED", "Job was cancelled: it has no result");
  }
  if (auto refused = unless_completed(*job)) return std::move(*refused);
  const std::string base = base_url(request, deps);
  json block_urls = json::array();
  for (const auto& b : job->blocks) {
    // The store's own URL (presigned S3, Cloudinary delivery) when it has one, else ours; the
    // mirror's URL as the secondary (public_url/mirror_url never touch the network).
    std::optional<std::string> primary, secondary;
    // A block of an encoded or pcm job is made on request from its lossless segment: only ours.
    if (b.result && segments_are_output(job->output_format)) {
      primary = deps.blobs->public_url(b.result->segment_key);
      secondary = deps.blobs->mirror_url(b.result->segment_key);
    }
    block_urls.push_back(
        {{"index", b.index},
         {"urls",
          {{"primary_url", primary.value_or(base + "/result/" + job->id + "/block/" +
                                            std::to_string(b.index) + "/audio")},
           {"secondary_url", secondary ? json(*secondary) : json(nullptr)}}}});
  }
  json manifest = json::parse(job->result->manifest_json, nullptr, false);
  // Each block's words only on request: the default answer stays small.
  if (words != "true" && manifest.is_object()) {
    if (auto blocks = manifest.find("blocks"); blocks != manifest.end() && blocks->is_array()) {
      for (auto& b : *blocks) {
        if (b.is_object()) b.erase("words");
      }
    }
  }
  json body = {{"job_id", job->id},
               {"result_url", result_url(*job, base)},
               {"block_urls", std::move(block_urls)},
               {"manifest", manifest.is_discarded() ? json(nullptr) : manifest},
               {"usage", json::parse(usage_to_json(job_usage(*job)))}};
  return json_response(200, json_text(body));
}

std::optional<std::size_t> bounded_number(const std::optional<std::string>& text,
                                          std::size_t fallback, std::size_t max) {
  if (!text) return fallback;
  if (text->empty() || text->size() > 9 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const std::size_t v = std::stoul(*text);
  return v > max ? std::nullopt : std::optional<std::size_t>(v);
}

// The user id whose jobs or usage `user` asks for: their own; for an admin, "" (everyone's)
// without ?owner=, else the id of the user now called that, or the value itself taken as an id
// (a removed user's owner_id) when nobody is.
Result<std::string> owner_filter(const HttpRequest& request, const User& user, ApiDeps& deps) {
  if (!user.admin) return user.id;
  const std::string owner = request.query_param("owner").value_or("");
  if (owner.empty()) return owner;
  return user_id_for_owner(owner, deps);
}

// GET /jobs?limit=&offset=[&owner=]
HttpResponse list(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto limit = bounded_number(request.query_param("limit"), 20, 100);
  if (!limit || *limit == 0) {
    return error_response(400, "VALIDATION_ERROR", "must be an integer from 1 to 100", "limit");
  }
  auto offset = bounded_number(request.query_param("offset"), 0, 100'000'000);
  if (!offset) return error_response(400, "VALIDATION_ERROR", "must be an integer >= 0", "offset");
  auto owner = owner_filter(request, *user, deps);
  if (!owner) return error_response(owner.error());
  auto page = deps.jobs->list_jobs(*owner, *offset, *limit);
  if (!page) return error_response(page.error());
  const std::string base = base_url(request, deps);
  JsonWriter out;
  out.begin_object().key("jobs").begin_array();
  for (const auto& job : page->jobs) {
    out.begin_object();
    write_job_summary(out, job, base);
    write_job_duration(out, job);
    out.end_object();
  }
  out.end_array()
      .member("total", static_cast<int64_t>(page->total))
      .member("limit", static_cast<int64_t>(*limit))
      .member("offset", static_cast<int64_t>(*offset))
      .end_object();
  return json_response(200, out.take());
}

// GET /usage[?owner=]: the caller's usage per provider (admins: every user's, or one's).
HttpResponse usage(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto owner = owner_filter(request, *user, deps);
  if (!owner) return error_response(owner.error());
  auto rows = deps.jobs->usage(*owner);
  if (!rows) return error_response(rows.error());
  JsonWriter out;
  out.begin_object().key("users").begin_array();
  for (const auto& row : *rows) {
    out.begin_object().member("user", row.owner_name).member("user_id", row.owner);
    out.key("providers").raw(usage_to_json(row.providers));
    out.end_object();
  }
  out.end_array().end_object();
  return json_response(200, out.take());
}

// DELETE /jobs/{id}: cancels a running job; deletes a finished one with its files.
HttpResponse remove(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, false, deps);
  if (!job) return error_response(job.error());
  if (!is_finished(job->status)) {
    auto cancelled = deps.jobs->cancel_job(job->id);
    if (!cancelled) return error_response(cancelled.error());
    if (!is_finished(cancelled->status)) {
      return error_response(Error{ErrorKind::kInternal, "job could not be cancelled", ""});
    }
    log::info("job cancelled", {{"request_id", request.request_id}, {"job_id", job->id}});
    return json_response(200, json_text(json{{"job_id", job->id},
                                             {"status", job_status_name(cancelled->status)},
                                             {"deleted", false}}));
  }
  auto keys = deps.jobs->delete_job(job->id);
  if (!keys) return error_response(keys.error());
  for (const auto& key : *keys) {
    if (Status s = deps.blobs->remove(key); !s) {
      log::warn("blob not removed", {{"job_id", job->id}, {"key", key}});
    }
  }
  log::info("job deleted", {{"request_id", request.request_id}, {"job_id", job->id}});
  return json_response(
      200, json_text(json{
               {"job_id", job->id}, {"status", job_status_name(job->status)}, {"deleted", true}}));
}

}  // namespace

void register_job_routes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/tts", [&deps](HttpRequest& r) { return submit(r, deps); }, Execution::kBlocking);
  router.add(
      "GET", "/status/{id}", [&deps](HttpRequest& r) { return status(r, deps); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/result/{id}", [&deps](HttpRequest& r) { return result(r, deps); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/jobs", [&deps](HttpRequest& r) { return list(r, deps); }, Execution::kMemoryFirst);
  router.add(
      "GET", "/usage", [&deps](HttpRequest& r) { return usage(r, deps); }, Execution::kMemoryFirst);
  router.add(
      "DELETE", "/jobs/{id}", [&deps](HttpRequest& r) { return remove(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
