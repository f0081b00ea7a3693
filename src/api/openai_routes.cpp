// The OpenAI-compatible routes: POST /v1/audio/speech, GET /v1/models, GET /v1/audio/voices.
// Errors in OpenAI's shape (api/openai_error.h). A speech request is a real Polyvox job, made
// through the same store as POST /tts (durable, retried, cached, normalized, diacritized) and
// listed in /jobs like any other (project_id "v1/audio/speech").
#include <memory>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/audio_stream.h"
#include "api/handler_support.h"
#include "api/job_waiter.h"
#include "api/openai_error.h"
#include "api/route_groups.h"
#include "api/speech_event_stream.h"
#include "api/speech_job.h"
#include "core/speech_request.h"
#include "core/utf8.h"
#include "log/log.h"

namespace polyvox {
namespace {

using nlohmann::json;

// How long a request without stream_format waits for its job; the job goes on after that.
constexpr std::chrono::minutes kWholeFileWait(10);

// The largest createSpeech body taken: its input and instructions at 4096 characters each, each
// character written as a 6-byte \uXXXX escape, fit with room to spare.
constexpr std::size_t kMaxSpeechBodyBytes = 256 * 1024;

// The job's final file as the response body, streamed from the blob store.
HttpResponse whole_file(const JobRecord& job, ApiDeps& deps) {
  if (!job.result) return openai_error_response(Error{ErrorKind::kInternal, "no result", ""});
  const std::string& key = job.result->result_key;
  auto info = deps.blobs->stat(key);
  if (!info) return openai_error_response(info.error());
  auto reader = deps.blobs->open(key, 0, info->size);
  if (!reader) return openai_error_response(reader.error());
  HttpResponse res;
  res.set_header("Content-Type", output_format_mime(job.output_format));
  res.set_header("X-Polyvox-Job-Id", job.id);
  res.stream_length = info->size;
  std::shared_ptr<BlobReader> shared(std::move(reader.value()));
  res.stream = [shared](char* buffer, std::size_t size) { return shared->read(buffer, size); };
  if (info->size == 0) {
    res.stream = [](char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; };
  }
  return res;
}

// The audio of a job as it renders: the progressive stream (api/audio_stream.h), or its SSE.
HttpResponse streamed(const JobRecord& created, const SpeechRequest& speech, ApiDeps& deps) {
  if (!deps.events || !deps.stream_pool) {
    return openai_error_response(
        Error{ErrorKind::kUnavailable, "audio streams are not available on this node", ""});
  }
  auto audio =
      AudioStream::create(*deps.events, *deps.jobs, *deps.blobs, *deps.stream_pool, created.id,
                          created.output_format, created.blocks_total, created.bitrate_kbps);
  audio->subscribe();  // before reading the job: nothing placed meanwhile is missed
  auto job = deps.jobs->get_job(created.id, true);
  if (!job) return openai_error_response(job.error());
  audio->start(*job);
  HttpResponse res;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.set_header("X-Polyvox-Job-Id", created.id);
  if (speech.stream_format == SpeechStreamFormat::kSse) {
    res.set_header("Content-Type", "text/event-stream");
    res.live = SpeechEventStream::create(std::move(audio), *deps.jobs, *deps.stream_pool,
                                         created.id, utf8_length(speech.input));
  } else {
    res.set_header("Content-Type", output_format_mime(created.output_format));
    res.live = std::move(audio);
  }
  return res;
}

const Error kNoMapping{ErrorKind::kUnavailable, "the /v1 routes are not configured on this node",
                       ""};

// The job exists from here on: an error names it, and tells the SDKs not to send the request
// again (they retry 5xx by default, each retry a new job billed again).
HttpResponse job_error(const std::string& job_id, HttpResponse res) {
  res.set_header("X-Polyvox-Job-Id", job_id);
  res.set_header("x-should-retry", "false");
  return res;
}

// The answer to a request without stream_format once its job is finished (or could not be
// read): the file, or the job's failure.
HttpResponse finished_answer(const std::string& job_id, const Result<JobRecord>& done,
                             ApiDeps& deps) {
  if (!done) return job_error(job_id, openai_error_response(done.error()));
  if (done->status != JobStatus::kCompleted) {
    return job_error(job_id, openai_error_response(
                                 500, "server_error",
                                 std::string("speech was not completed: the job ") +
                                     job_status_name(done->status) +
                                     (done->error.empty() ? std::string() : ": " + done->error)));
  }
  HttpResponse file = whole_file(*done, deps);
  if (file.status >= 400) return job_error(job_id, std::move(file));
  return file;
}

// The whole file once job `id` is done, awaited without holding a thread (a pending response:
// the server watches the client meanwhile); at most kWholeFileWait, then a 503 while the job
// goes on, as when the server stops first. Without event streams on this node, the blocking
// wait (wait_for_job).
HttpResponse whole_file_when_done(const std::string& id, ApiDeps& deps) {
  if (!deps.events || !deps.stream_pool) {
    return finished_answer(id, wait_for_job(deps.events, *deps.jobs, id, kWholeFileWait), deps);
  }
  auto make = [id, &deps](const Result<JobRecord>& done) {
    return finished_answer(id, done, deps);
  };
  auto abandoned = [id](PendingResponse::Abandon why) {
    Error e{ErrorKind::kUnavailable,
            why == PendingResponse::Abandon::kStopping
                ? "this server is stopping; job " + id + " goes on rendering"
                : "job " + id + " did not finish within " +
                      std::to_string(std::chrono::seconds(kWholeFileWait).count()) +
                      " s; it goes on rendering",
            ""};
    return job_error(id, openai_error_response(e));
  };
  auto waiting = FinishedJobResponse::create(*deps.events, *deps.jobs, *deps.stream_pool, id,
                                             kWholeFileWait, make, abandoned);
  auto now = deps.jobs->get_job(id, false);  // after the subscription: no finish is missed
  if (!now || is_finished(now->status)) {
    waiting->cancel();
    return make(now);
  }
  HttpResponse response;
  response.pending = std::move(waiting);
  return response;
}

// POST /v1/audio/speech
HttpResponse speech(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return openai_error_response(user.error());
  if (!deps.speech) return openai_error_response(kNoMapping);
  if (!is_json_content(request)) {
    return openai_error_response(400, "invalid_request_error",
                                 "send the request as application/json");
  }
  // A request is its input and instructions (4096 characters each) and a few short fields: a
  // body far larger is refused before it is parsed (MAX_BODY_BYTES is sized for whole jobs).
  if (request.body.size() > kMaxSpeechBodyBytes) {
    return openai_error_response(
        413, "invalid_request_error",
        "the request body is over " + std::to_string(kMaxSpeechBodyBytes) + " bytes");
  }
  auto parsed = parse_speech_request(request.body);
  if (!parsed) return openai_error_response(parsed.error());
  const SpeechRequest& speech = *parsed;
  auto format = parse_output_format(speech.response_format);
  if (!format) {
    return openai_error_response(
        400, "invalid_request_error",
        "response_format '" + speech.response_format + "' is not available on this server",
        "response_format");
  }
  auto voices = resolve_speech_voices(*deps.speech, *deps.providers, speech.model, speech.voice);
  if (!voices) return openai_error_response(voices.error());
  auto spec = plan_speech_job(speech, *voices, *deps.providers, *format, deps.settings.job.limits);
  if (!spec) return openai_error_response(spec.error());
  // Fixed at submission, as POST /tts does: every node renders and places it at this rate.
  spec->sample_rate =
      effective_sample_rate(spec->output_format, spec->sample_rate, deps.sample_rate);

  NewJob job = new_job_for(*user, std::move(spec.value()), deps);
  job.spec.interactive = true;  // someone waits for it: claimed in the interactive lane
  auto created = deps.jobs->create_job(job);
  if (!created && created.error().kind == ErrorKind::kQuotaExceeded) {
    log::info("speech job refused by a quota", {{"request_id", request.request_id},
                                                {"user", user->name},
                                                {"quota", created.error().field}});
    return openai_error_response(created.error());
  }
  if (!created) {
    log::error("speech job not stored",
               {{"request_id", request.request_id}, {"error", created.error().message}});
    return openai_error_response(created.error());
  }
  log::info("speech job accepted", {{"request_id", request.request_id},
                                    {"job_id", job.id},
                                    {"user", user->name},
                                    {"model", speech.model},
                                    {"blocks", static_cast<long long>(job.spec.blocks.size())}});
  if (speech.stream_format != SpeechStreamFormat::kNone) return streamed(*created, speech, deps);

  return whole_file_when_done(job.id, deps);
}

// GET /v1/models
HttpResponse models(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return openai_error_response(user.error());
  if (!deps.speech) return openai_error_response(kNoMapping);
  json data = json::array();
  for (const std::string& id : usable_speech_models(*deps.speech, *deps.providers)) {
    data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "polyvox"}});
  }
  return json_response(200, json_text(json{{"object", "list"}, {"data", std::move(data)}}));
}

// GET /v1/audio/voices: the OpenAI voice names, then every usable provider's own voices as
// "provider:voice".
HttpResponse voices(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return openai_error_response(user.error());
  json list = json::array();
  for (const std::string& name : openai_voice_names()) {
    list.push_back({{"id", name}, {"name", name}, {"provider", nullptr}, {"language", nullptr}});
  }
  for (const std::string& provider : deps.providers->usable_providers()) {
    const Provider* p = deps.providers->find(provider);
    if (!p) continue;
    for (const VoiceInfo& v : p->voices()) {
      list.push_back({{"id", provider + ":" + v.name},
                      {"name", v.name},
                      {"provider", provider},
                      {"language", v.language.empty() ? json(nullptr) : json(v.language)}});
    }
  }
  return json_response(200, json_text(json{{"voices", std::move(list)}}));
}

}  // namespace

void register_openai_routes(Router& router, ApiDeps& deps) {
  // Blocking: a whole-file answer waits for its job; streams read the store.
  router.add(
      "POST", "/v1/audio/speech", [&deps](HttpRequest& r) { return speech(r, deps); },
      Execution::kBlocking);
  router.add(
      "GET", "/v1/models", [&deps](HttpRequest& r) { return models(r, deps); },
      Execution::kMemoryFirst);
  router.add(
      "GET", "/v1/audio/voices", [&deps](HttpRequest& r) { return voices(r, deps); },
      Execution::kMemoryFirst);
}

}  // namespace polyvox
