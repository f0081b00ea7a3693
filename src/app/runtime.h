// Everything a Polyvox process runs on, built once from the configuration: the job/task/user
// backend, blob storage, providers, diacritizer, audio cache, metrics. Shared by `serve` and
// `worker` so that both are wired the same way.
#pragma once

#include <memory>

#include "app/config.h"
#include "app/wiring.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "providers/audio_cache.h"
#include "providers/provider_registry.h"
#include "storage/blob_store.h"
#include "text/diacritizer.h"

namespace polyvox {

struct Runtime {
  Config config;
  SystemClock clock;
  MetricsRegistry metrics;
  Backend backend;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<ProviderRegistry> providers;
  std::unique_ptr<Diacritizer> diacritizer;
  std::unique_ptr<AudioCache> cache;

  bool distributed() const { return !config.service.redis_url.empty(); }
};

// Builds the runtime; the error names what could not be opened (exit code 2 material).
Result<std::unique_ptr<Runtime>> open_runtime(const Config& config);

// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it starts later), so
// that wait_for_stop_signal() receives them. Also ignores SIGPIPE.
void block_stop_signals();
// Waits for SIGTERM or SIGINT; returns the signal number.
int wait_for_stop_signal();

}  // namespace polyvox
