// A job's revisions: POST /jobs/{id}/revisions submits the job's script as edited as a new job
// linked to its parent (JobRecord::parent_id); GET /jobs/{id}/revisions lists the chain that led
// to a job. A revision is an ordinary job: its unchanged blocks are served by the audio cache,
// whose key is everything that determines a provider's answer (providers/audio_cache.h): the
// provider, voice, text, speed and, for a provider that hears the neighbouring blocks
// (ElevenLabs' previous_text/next_text), their text. So only an edited block calls its provider,
// and with such a provider its neighbours of the same voice do too, since what they hear changed.
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/handler_support.h"
#include "api/job_views.h"
#include "api/json_writer.h"
#include "api/route_groups.h"

namespace polyvox {
namespace {

// How far up a chain GET /jobs/{id}/revisions walks (one store read per job).
constexpr std::size_t kMaxChain = 100;

// POST /jobs/{id}/revisions: the body as POST /tts takes it (the parent's blocks as edited).
HttpResponse create_revision(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto parent = job_for(request.param("id"), *user, false, deps);
  if (!parent) return error_response(parent.error());
  // A chain belongs to one user: an admin may read another's job, not revise it as theirs.
  if (parent->owner != user->id) {
    return error_response(403, "UNAUTHORIZED_ACCESS", "only the job's owner may revise it");
  }
  return accept_job(request, deps, *user, parent->id);
}

// GET /jobs/{id}/revisions: the job and the jobs it revises, oldest first (at most kMaxChain;
// a deleted ancestor ends the chain).
HttpResponse list_revisions(HttpRequest& request, ApiDeps& deps) {
  auto user = require_user(request, deps);
  if (!user) return error_response(user.error());
  auto job = job_for(request.param("id"), *user, false, deps);
  if (!job) return error_response(job.error());
  std::vector<JobRecord> chain{std::move(job.value())};
  bool complete = true;
  while (!chain.back().parent_id.empty()) {
    if (chain.size() == kMaxChain) {
      complete = false;
      break;
    }
    auto parent = deps.jobs->get_job(chain.back().parent_id, false);
    if (!parent) {
      if (parent.error().kind == ErrorKind::kNotFound) break;
      return error_response(parent.error());
    }
    chain.push_back(std::move(parent.value()));
  }
  const std::string base = base_url(request, deps);
  JsonWriter out;
  out.begin_object().member("job_id", chain.front().id).key("revisions").begin_array();
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    out.begin_object();
    write_job_summary(out, *it, base);
    write_job_duration(out, *it);
    out.end_object();
  }
  out.end_array().member("complete", complete).end_object();
  return json_response(200, out.take());
}

}  // namespace

void register_revision_routes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/jobs/{id}/revisions", [&deps](HttpRequest& r) { return create_revision(r, deps); },
      Execution::kBlocking);
  router.add(
      "GET", "/jobs/{id}/revisions", [&deps](HttpRequest& r) { return list_revisions(r, deps); },
      Execution::kMemoryFirst);
}

}  // namespace polyvox
