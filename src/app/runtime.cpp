#include "app/runtime.h"

#include <csignal>
#include <filesystem>

#include "http/http_client.h"
#include "storage/local_blob_store.h"

namespace polyvox {
namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

Result<std::unique_ptr<Runtime>> open_runtime(const Config& config) {
  auto runtime = std::make_unique<Runtime>();
  runtime->config = config;
  std::error_code ec;
  std::filesystem::create_directories(config.service.data_dir, ec);
  if (ec) {
    return invalid_input("POLYVOX_DATA_DIR",
                         "cannot create " + config.service.data_dir + ": " + ec.message());
  }
  auto backend = open_backend(config, runtime->clock, true);
  if (!backend) return backend.take_error();
  runtime->backend = std::move(backend.value());
  // One HTTP client (one connection pool) for providers, the diacritizer and storage.
  auto http = std::make_shared<http::HttpClient>();
  auto blobs = build_blob_store(config, http, &runtime->metrics);
  if (!blobs) return blobs.take_error();
  runtime->blobs = std::move(blobs.value());
  runtime->providers = build_providers(config, runtime->clock, &runtime->metrics, http);
  runtime->diacritizer = build_diacritizer(config, http);
  runtime->cache = build_audio_cache(config, &runtime->metrics);
  return runtime;
}

void block_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_stop_signal() {
  const sigset_t signals = stop_signals();
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

}  // namespace polyvox
