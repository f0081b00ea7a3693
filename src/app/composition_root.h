// The composition root: the one place where the process of each command (serve, worker, synth,
// users, voices, diacritize) is built from the configuration. Concrete classes are chosen here and
// in wiring.h (the seams, by name); every other directory works with interfaces. The commands'
// files (*_command.cpp) only talk to the user: arguments, messages, exit codes.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/config.h"
#include "app/wiring.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/metrics.h"
#include "jobs/job_store.h"
#include "providers/audio_cache.h"
#include "providers/provider_registry.h"
#include "storage/blob_store.h"
#include "text/diacritizer.h"
#include "text/embedded_diacritizer.h"
#include "worker/worker_pool.h"

namespace polyvox {

// What every process that renders or serves stands on, built once: the job/task/user backend,
// blob storage, providers, diacritizer, audio cache, metrics, all sending through one HTTP client.
struct Foundation {
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

// `polyvox serve`: the HTTP API and, in embedded mode, the workers, the scheduled cleanup and the
// webhook sender of the same process; in distributed mode a stateless API node. Not
// thread-safe.
class ServeProcess {
 public:
  // Opens everything and starts nothing. The error names what could not be opened or is
  // misconfigured (the data directory, the backend, storage, SECRET_KEY).
  static Result<std::unique_ptr<ServeProcess>> build(const Config& config);
  ~ServeProcess();

  // Creates the first user when there is none (ADMIN_USERNAME, ADMIN_PASSWORD). In distributed
  // mode it waits for Redis as long as Redis cannot be reached. Returns the password it
  // generated, or "" when users existed or ADMIN_PASSWORD was given.
  Result<std::string> ensure_admin();

  // Listens on HOST:PORT and starts the workers and the cleanup. kUnavailable when the address
  // cannot be bound.
  Status start();

  // http://HOST:PORT of the listening socket. REQUIRES: start() succeeded.
  std::string url() const;
  // Worker threads of this process (0 for an API node).
  unsigned workers() const;
  bool distributed() const { return foundation_->distributed(); }

  // Stops listening, lets requests and tasks in progress finish (or gives tasks back), joins
  // every thread. Idempotent.
  void stop();

 private:
  ServeProcess() = default;
  struct Parts;
  std::unique_ptr<Foundation> foundation_;
  std::unique_ptr<Parts> parts_;
};

// `polyvox worker`: a worker node of the distributed mode, with the cleanup it leads in turn and
// a webhook sender.
class WorkerProcess {
 public:
  // REQUIRES: REDIS_URL is set. The error names what could not be opened.
  static Result<std::unique_ptr<WorkerProcess>> build(const Config& config);
  ~WorkerProcess();

  void start();
  const std::string& id() const { return options_.worker_id; }
  unsigned concurrency() const { return options_.concurrency; }
  // Lets tasks in progress finish for up to 30 s, then gives them back; joins every thread.
  void stop();

 private:
  WorkerProcess() = default;
  std::unique_ptr<Foundation> foundation_;
  WorkerOptions options_;
  std::unique_ptr<WorkerPool> pool_;
  struct Cleanup;
  std::unique_ptr<Cleanup> cleanup_;
  std::unique_ptr<WebhookSender> webhooks_;
};

// `polyvox synth`: the service's pipeline for jobs rendered in this process, on a scratch
// directory: a SQLite store that need not survive a power loss, local blobs, a worker pool.
class SynthProcess {
 public:
  // The providers, diacritizer and audio cache of `config`; nothing is opened on disk yet.
  // Throws std::invalid_argument for a diacritizer that cannot be configured.
  static std::unique_ptr<SynthProcess> build(const Config& config);
  ~SynthProcess();

  // What jobs are validated against.
  const ProviderRegistry& providers() const { return *providers_; }

  // Opens the stores under `scratch_dir` (an existing, empty directory) and a pool of
  // `concurrency` workers (0: one per core) reporting to `observer` (must outlive this process).
  Status open_pipeline(const std::filesystem::path& scratch_dir, unsigned concurrency,
                       WorkObserver* observer);
  // REQUIRES: open_pipeline() succeeded.
  JobStore& jobs();
  void start();
  // Stops the pool; tasks still running are given back. Idempotent.
  void stop();
  // The file that holds blob `key`, or nullopt for a key that cannot name one.
  std::optional<std::filesystem::path> local_file(const std::string& key) const;

 private:
  SynthProcess() = default;
  Config config_;
  SystemClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<ProviderRegistry> providers_;
  std::unique_ptr<Diacritizer> diacritizer_;
  std::unique_ptr<AudioCache> cache_;
  struct Pipeline;
  std::unique_ptr<Pipeline> pipeline_;
};

// `polyvox users` and `polyvox keys`: the user and API key stores of the configured backend,
// opened as an administrative command (leases of a running service are left alone). In
// embedded mode a database that does not exist yet is made only when `create` says so;
// otherwise kInvalidInput names the file looked for (a command run outside the project's
// directory must not quietly start an empty one).
struct UserAdmin {
  SystemClock clock;
  Backend backend;
  UserStore& users() { return *backend.users; }
  ApiKeyStore& api_keys() { return *backend.api_keys; }
};
Result<std::unique_ptr<UserAdmin>> open_user_admin(const Config& config, bool create = false);

// Where the administrative commands find their users, for a line on stderr: "data directory
// /abs/path (SQLite)" or "Redis at redis://host:port" (no credentials).
std::string user_admin_location(const Config& config);

// `polyvox voices`: every provider of the configuration, usable or not.
std::unique_ptr<ProviderRegistry> open_providers(const Config& config);

// `polyvox diacritize`: the configured diacritizer. Throws std::invalid_argument as
// build_diacritizer does.
std::unique_ptr<Diacritizer> open_diacritizer(const Config& config);
// `polyvox diacritize --explain`: the embedded model itself, loaded now (its word-by-word
// explanations exist only there). The error names the model file that cannot be loaded.
Result<std::unique_ptr<EmbeddedDiacritizer>> open_embedded_diacritizer(const Config& config);

// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it starts later), so
// that wait_for_stop_signal() receives them. Also ignores SIGPIPE.
void block_stop_signals();
// Waits for SIGTERM or SIGINT; returns the signal number.
int wait_for_stop_signal();
// A SIGTERM or SIGINT received since block_stop_signals(), taken; nullopt when none is pending.
// Does not wait.
std::optional<int> take_stop_signal();
// Unblocks SIGTERM and SIGINT in the calling thread only: the next one ends the process (their
// default action), whatever the other threads are doing (a second Ctrl-C).
void unblock_stop_signals();

}  // namespace polyvox
