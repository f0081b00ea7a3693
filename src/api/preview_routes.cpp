// POST /tts/preview: a voice heard on a short text before a script is rendered. The preview is
// a job of one block (project "preview"), so that it goes through the same checks, provider
// resilience, audio cache, usage accounting and quotas as any job, and shows in the user's
// history like any other; the answer is that job's audio as it renders (the progressive stream),
// so that it plays as soon as the block is spoken, without a thread waiting for it.
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/route_groups.h"
#include "core/job_parser.h"
#include "core/json_input.h"
#include "log/log.h"

namespace polyvox {
namespace {

constexpr std::size_t kPreviewMaxCharacters = 300;
constexpr std::string_view kBlockPath = "blocks[0].";

std::size_t characters(const std::string& utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

void unprefix(std::string& field) {
  if (field.starts_with(kBlockPath)) field.erase(0, kBlockPath.size());
}

// The job parser's answer about the preview's one block (its first problem and all of them),
// as the request named the fields: "text", not "blocks[0].text".
HttpResponse preview_error(Error error, std::vector<ErrorDetail> details) {
  unprefix(error.field);
  for (ErrorDetail& detail : details) unprefix(detail.field);
  return error_response(error, "", details);
}

HttpResponse preview(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  if (!is_json_content(request)) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "send the preview as application/json");
  }
  std::vector<ErrorDetail> problems;
  auto block = parse_json_input(request.body, &problems);
  if (!block) return error_response(block.error(), "", problems);
  if (!block->is_object()) {
    return error_response(400, "VALIDATION_ERROR", "the body must be a JSON object");
  }
  if (auto text = block->find("text");
      text != block->end() && text->is_string() &&
      characters(text->get<std::string>()) > kPreviewMaxCharacters) {
    return error_response(
        400, "VALIDATION_ERROR",
        "a preview is at most " + std::to_string(kPreviewMaxCharacters) + " characters", "text");
  }
  const InputJson job_json = {{"project_id", "preview"},
                              {"blocks", InputJson::array({std::move(*block)})}};
  auto spec = parse_job(job_json.dump(), deps.settings.job, *deps.providers, &problems);
  if (!spec) return preview_error(spec.error(), std::move(problems));
  NewJob job = new_job_for(*user, std::move(spec.value()), deps);
  job.spec.webhook_url.clear();  // a preview is heard, not announced
  job.spec.interactive = true;   // and heard at once: claimed in the interactive lane
  auto created = deps.jobs->create_job(job);
  if (!created && created.error().kind == ErrorKind::kQuotaExceeded) {
    log::info("preview refused by a quota", {{"request_id", request.request_id},
                                             {"user", user->name},
                                             {"quota", created.error().field}});
  }
  if (!created) return error_response(created.error());
  log::info("preview accepted", {{"request_id", request.request_id},
                                 {"job_id", job.id},
                                 {"user", user->name},
                                 {"provider", job.spec.blocks[0].provider}});
  HttpResponse res = progressive_audio(*created, deps);
  res.set_header("X-Job-Id", job.id);
  return res;
}

}  // namespace

void register_preview_routes(Router& router, ApiDeps& deps) {
  // Blocking: the job is stored durably before the answer starts.
  router.add(
      "POST", "/tts/preview", [&deps](HttpRequest& r) { return preview(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
