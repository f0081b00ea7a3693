// POST /diacritize: Arabic text with its short vowels added by the configured diacritizer
// (DIACRITIZER: embedded, http or none), as the studio previews a block marked "arabic" before
// it is spoken. The text is held to the job's per-block limit: it is a block's text.
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/json_writer.h"
#include "api/route_groups.h"
#include "core/json_input.h"
#include "core/utf8.h"
#include "log/log.h"

namespace polyvox {
namespace {

HttpResponse diacritize(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  if (deps.diacritizer == nullptr) {
    return error_response(503, "UNAVAILABLE", "this server has no diacritizer");
  }
  if (!is_json_content(request)) {
    return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "send the text as application/json");
  }
  auto parsed = parse_json_input(request.body);
  if (!parsed) return error_response(parsed.error());
  const InputJson& body = *parsed;
  if (!body.is_object()) {
    return error_response(400, "VALIDATION_ERROR", "the body must be a JSON object {\"text\"}");
  }
  for (const auto& [name, value] : body.items()) {
    if (name != "text") {
      return error_response(400, "VALIDATION_ERROR", "unknown field", to_valid_utf8(name));
    }
  }
  const auto text = body.find("text");
  if (text == body.end() || !text->is_string()) {
    return error_response(400, "VALIDATION_ERROR", "must be a string", "text");
  }
  const std::string& value = text->get_ref<const std::string&>();
  if (!is_valid_utf8(value)) {
    return error_response(400, "VALIDATION_ERROR", "is not valid UTF-8", "text");
  }
  const std::size_t limit = deps.settings.job.limits.max_text_chars;
  if (utf8_length(value) > limit) {
    return error_response(400, "VALIDATION_ERROR",
                          "must be at most " + std::to_string(limit) + " characters", "text");
  }
  auto marked = deps.diacritizer->diacritize(value);
  if (!marked) {
    log::warn("diacritizer failed",
              {{"request_id", request.request_id}, {"error", marked.error().message}});
    // A remote diacritizer that refused the text (4xx) is about the text, not this server.
    if (marked.error().kind == ErrorKind::kSynthesisFailed) {
      return error_response(400, "VALIDATION_ERROR", marked.error().message, "text");
    }
    return error_response(marked.error());
  }
  JsonWriter out;
  out.begin_object().member("text", *marked).end_object();
  return json_response(200, out.take());
}

}  // namespace

void register_diacritize_routes(Router& router, ApiDeps& deps) {
  // Blocking: the embedded model computes, the http one calls out.
  router.add(
      "POST", "/diacritize", [&deps](HttpRequest& r) { return diacritize(r, deps); },
      Execution::kBlocking);
}

}  // namespace polyvox
