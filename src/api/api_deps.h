// What the HTTP handlers work with. Wired in src/app; every member outlives the server.
#pragma once

#include <string>

#include "api/parse_gate.h"
#include "auth/api_key_service.h"
#include "auth/auth_service.h"
#include "auth/session_service.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/job_parser.h"
#include "core/metrics.h"
#include "core/quota.h"
#include "core/speech_mapping.h"
#include "core/thread_pool.h"
#include "jobs/event_hub.h"
#include "jobs/job_store.h"
#include "providers/provider_registry.h"
#include "storage/blob_store.h"
#include "text/diacritizer.h"

namespace polyvox {

struct ApiSettings {
  JobParseOptions job;                // validation limits and default provider
  std::string public_base_url;        // PUBLIC_BASE_URL; empty: from the request's Host header
  bool metrics_enabled = true;        // METRICS_ENABLED
  std::string metrics_token;          // METRICS_TOKEN; empty: /metrics needs no credentials
  std::string docs_dir;               // where the Swagger UI files are (build time copy)
  QuotaLimits quotas;                 // every user's unless overridden (core/quota.h); admins: none
  int64_t max_covers_per_user = 100;  // MAX_COVERS_PER_USER; 0: unlimited; admins: none
};

struct ApiDeps {
  ApiSettings settings;
  JobStore* jobs = nullptr;
  UserStore* users = nullptr;
  AuthService* auth = nullptr;
  ApiKeyService* api_keys = nullptr;   // the one AuthService recognizes keys with
  SessionService* sessions = nullptr;  // the studio's sessions; null: cookies are ignored
  BlobStore* blobs = nullptr;
  ProviderRegistry* providers = nullptr;
  MetricsRegistry* metrics = nullptr;
  const Clock* clock = nullptr;
  EventHub* events = nullptr;             // job events heard on this node; null: no event streams
  int sample_rate = 44100;                // OUTPUT_SAMPLE_RATE: a job's rate when it has none
  ThreadPool* stream_pool = nullptr;      // reads segments for audio streams; null: no streams
  const SpeechMapping* speech = nullptr;  // OpenAI model/voice names; null: /v1 answers 503
  ParseGate* parse_gate = nullptr;        // bounds large job parses at once; null: no bound
  Diacritizer* diacritizer = nullptr;     // DIACRITIZER, for POST /diacritize; null: 503
};

class Router;

// Registers every route of the API on `router`.
void register_routes(Router& router, ApiDeps& deps);

}  // namespace polyvox
