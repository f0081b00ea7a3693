#include "api/route_groups.h"

namespace polyvox {

void register_routes(Router& router, ApiDeps& deps) {
  register_auth_routes(router, deps);
  register_job_routes(router, deps);
  register_audio_routes(router, deps);
  register_meta_routes(router, deps);
  register_docs_routes(router, deps);
  register_event_routes(router, deps);
  register_webhook_routes(router, deps);
  register_api_key_routes(router, deps);
  register_openai_routes(router, deps);
  register_studio_routes(router, deps);
  register_peaks_routes(router, deps);
  register_preview_routes(router, deps);
  register_revision_routes(router, deps);
  register_diacritize_routes(router, deps);
  register_cover_routes(router, deps);
  register_subtitle_routes(router, deps);
}

}  // namespace polyvox
