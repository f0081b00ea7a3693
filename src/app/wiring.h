// Builds the implementations of every seam from the configuration: each chosen by name from the
// registries of app/registrations.h, so that adding an implementation touches no code here.
#pragma once

#include <functional>
#include <memory>

#include "app/config.h"
#include "auth/api_key_store.h"
#include "auth/login_throttle.h"
#include "auth/session_store.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/http_client.h"
#include "jobs/job_store.h"
#include "jobs/task_queue.h"
#include "jobs/webhook_outbox.h"
#include "providers/audio_cache.h"
#include "providers/provider_registry.h"
#include "storage/blob_store.h"
#include "text/diacritizer.h"

namespace polyvox {

// Every provider, usable or not (with its reason): the local engines (local_provider_kinds(): one
// that cannot start is unusable with its error) and the cloud providers of config.providers, each
// built by its kind (provider_kinds(); those lacking a key or URL, or whose kind's factory fails,
// are unusable), each wrapped in the resilience policy (concurrency limit from its settings,
// circuit breaker). The cloud providers send through `http` (one client per process, shared with
// the diacritizer and storage); a new client when null. `metrics` may be null. Never fails.
std::unique_ptr<ProviderRegistry> build_providers(
    const Config& config, const Clock& clock, MetricsRegistry* metrics = nullptr,
    std::shared_ptr<const http::HttpClient> http = nullptr);

// The job/task/user backend: SQLite in POLYVOX_DATA_DIR (embedded mode), or Redis at REDIS_URL
// (distributed mode). The pointers stay valid while `owner` lives.
struct Backend {
  std::shared_ptr<void> owner;
  JobStore* jobs = nullptr;
  TaskQueue* queue = nullptr;
  UserStore* users = nullptr;
  ApiKeyStore* api_keys = nullptr;    // beside the users, removed with them
  SessionStore* sessions = nullptr;   // the studio's sessions, beside the users
  WebhookOutbox* webhooks = nullptr;  // written by `jobs`, sent by the worker side
  LoginThrottle* throttle = nullptr;  // null: each process throttles in memory
  // Distributed mode: whether this process leads the periodic work (job cleanup) now. The first
  // call enters the campaign (a leader lease renewed in the background while `owner` lives), so
  // only processes that ask compete. Null in embedded mode: the one process always leads.
  std::function<bool()> leads_periodic_work;
  // Where this node hears of job events (jobs/job_events.h), for the API's event streams. The
  // first call sets it up (Redis: a subscriber connection and thread while `owner` lives).
  std::function<JobEventFeed*()> event_feed;
};
// `serving`: the process that runs the workers (serve, worker), as opposed to a short-lived
// admin command; in embedded mode it takes back at once the tasks a dead process had leased,
// and holds the data directory's lock while `owner` lives: a second serving process on the
// same directory is kInvalidInput naming POLYVOX_DATA_DIR.
Result<Backend> open_backend(const Config& config, const Clock& clock, bool serving);

// The blob store chosen by STORAGE_BACKEND among blob_store_kinds() (local in
// POLYVOX_DATA_DIR/blobs, s3, cloudinary); with STORAGE_MIRRORING, mirrored to
// STORAGE_MIRROR_BACKEND (default: the first other backend, in registration order, whose settings
// are given, else local). An unknown name is kInvalidInput on STORAGE_BACKEND ("must be local, s3
// or cloudinary (got 'x')"); a backend whose settings are missing or malformed is kInvalidInput
// naming the variable. Remote stores send through `http` (a new client when null); mirror
// failures are counted in `metrics` (may be null).
Result<std::unique_ptr<BlobStore>> build_blob_store(
    const Config& config, std::shared_ptr<const http::HttpClient> http = nullptr,
    MetricsRegistry* metrics = nullptr);

// The audio cache (CACHE_ENABLED, AUDIO_CACHE_MAX_BYTES) under POLYVOX_DATA_DIR/cache, or null
// when disabled.
std::unique_ptr<AudioCache> build_audio_cache(const Config& config, MetricsRegistry* metrics);

// The diacritizer chosen by DIACRITIZER among diacritizer_kinds() (embedded, http, none), in a
// CachingDiacritizer. Throws std::invalid_argument (fatal start-up configuration) for an unknown
// name ("DIACRITIZER must be embedded, http or none (got 'x')") or with the kind's error (a
// missing DIACRITIZER_URL or model file). The http one sends through `http` (its own client when
// null).
std::unique_ptr<Diacritizer> build_diacritizer(
    const Config& config, std::shared_ptr<const http::HttpClient> http = nullptr);

}  // namespace polyvox
