// Builds the concrete implementations of every seam from the configuration. The only place that
// names concrete classes.
#pragma once

#include <memory>

#include "app/config.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "http/http_client.h"
#include "jobs/job_store.h"
#include "jobs/task_queue.h"
#include "providers/provider_registry.h"
#include "text/diacritizer.h"

namespace polyvox {

// Every provider, usable or not (with its reason): espeak, flite and the cloud providers of
// config.providers, those lacking a key or URL as unusable. The cloud providers send through
// `http` (one client per process, shared with the diacritizer and storage); a new client when null.
std::unique_ptr<ProviderRegistry> build_providers(const Config& config,
                                                  std::shared_ptr<const http::HttpClient> http = nullptr);

// The job/task/user backend: SQLite in POLYVOX_DATA_DIR (embedded mode). The pointers stay valid
// while `owner` lives.
struct Backend {
  std::shared_ptr<void> owner;
  JobStore* jobs = nullptr;
  TaskQueue* queue = nullptr;
  UserStore* users = nullptr;
};
Result<Backend> open_backend(const Config& config, const Clock& clock);

// The diacritizer chosen by DIACRITIZER; throws std::invalid_argument for an unknown name.
std::unique_ptr<Diacritizer> build_diacritizer(const Config& config);

}  // namespace polyvox
