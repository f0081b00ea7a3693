// The route groups register_routes() is made of, one file each.
#pragma once

#include "api/api_deps.h"
#include "api/router.h"
#include "jobs/job_record.h"

namespace polyvox {

void register_auth_routes(Router& router, ApiDeps& deps);      // POST /token
void register_job_routes(Router& router, ApiDeps& deps);       // /tts, /status, /result, /jobs
void register_audio_routes(Router& router, ApiDeps& deps);     // audio files: Range, ETag, HEAD
void register_meta_routes(Router& router, ApiDeps& deps);      // health, ready, metrics, discovery
void register_docs_routes(Router& router, ApiDeps& deps);      // /openapi.json, /docs
void register_webhook_routes(Router& router, ApiDeps& deps);   // /webhook-secret
void register_api_key_routes(Router& router, ApiDeps& deps);   // /api-keys
void register_event_routes(Router& router, ApiDeps& deps);     // job events (SSE)
void register_openai_routes(Router& router, ApiDeps& deps);    // /v1: OpenAI-compatible speech
void register_studio_routes(Router& router, ApiDeps& deps);    // the studio at /
void register_peaks_routes(Router& router, ApiDeps& deps);     // /result/{id}/peaks
void register_preview_routes(Router& router, ApiDeps& deps);   // POST /tts/preview
void register_revision_routes(Router& router, ApiDeps& deps);  // /jobs/{id}/revisions
void register_diacritize_routes(Router& router, ApiDeps& deps);  // POST /diacritize
void register_cover_routes(Router& router, ApiDeps& deps);       // POST /covers
void register_subtitle_routes(Router& router, ApiDeps& deps);    // /result/{id}/subtitles.vtt|srt

// The job's combined audio as it renders (api/audio_stream.h), for `seen`, a job the caller may
// see: GET /result/{id}/stream and POST /tts/preview answer with it.
HttpResponse progressive_audio(const JobRecord& seen, ApiDeps& deps);

// POST /tts's work once `user` is authenticated: the body validated as a job, stored durably
// with its tasks as a job of `user` revising `parent_id` ('' for none: REQUIRES that `user`
// owns it), answered 202 {job_id, status[, parent_id]} with its Location. 415 when the body is
// not JSON, 400 naming the field for an invalid job.
HttpResponse accept_job(HttpRequest& request, ApiDeps& deps, const User& user,
                        const std::string& parent_id);

}  // namespace polyvox
