#include "app/composition_root.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "api/api_deps.h"
#include "api/http_server.h"
#include "api/job_views.h"
#include "api/router.h"
#include "app/memory_releaser.h"
#include "app/process_memory.h"
#include "auth/auth_service.h"
#include "auth/login_throttle.h"
#include "auth/signing_key.h"
#include "core/ids.h"
#include "http/http_client.h"
#include "jobs/event_hub.h"
#include "jobs/redis/redis_url.h"
#include "jobs/sqlite/sqlite_backend.h"
#include "log/log.h"
#include "storage/local_blob_store.h"
#include "worker/cleanup.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// The foundation of a serving process (serve, worker): the data directory, the backend (whose
// leases of a dead process are taken back in embedded mode), storage, providers, diacritizer and
// cache, all sending through one HTTP client (one connection pool).
Result<std::unique_ptr<Foundation>> open_foundation(const Config& config) {
  auto f = std::make_unique<Foundation>();
  f->config = config;
  if (Status s = ensure_private_data_dir(config.service.data_dir); !s) return s.error();
  auto backend = open_backend(config, f->clock, /*serving=*/true);
  if (!backend) return backend.take_error();
  f->backend = std::move(backend.value());
  auto http = std::make_shared<http::HttpClient>();
  auto blobs = build_blob_store(config, http, &f->metrics);
  if (!blobs) return blobs.take_error();
  f->blobs = std::move(blobs.value());
  f->providers = build_providers(config, f->clock, &f->metrics, http);
  f->diacritizer = build_diacritizer(config, http);
  f->cache = build_audio_cache(config, &f->metrics);
  return f;
}

// The workers' options of a process with `role` ("embedded", "worker"): the configuration's, a
// scratch directory in the data directory and an id unique across machines.
WorkerOptions worker_options(const Config& config, const std::string& role) {
  WorkerOptions options = config.service.worker;
  options.render = config.render;
  options.scratch_dir = fs::path(config.service.data_dir) / "tmp";
  char host[256] = "host";
  ::gethostname(host, sizeof host - 1);
  options.worker_id = role + "-" + host + "-" + std::to_string(::getpid()) + "-" + random_hex(3);
  options.on_idle = release_idle_worker_memory;  // what a job needed goes back at once
  return options;
}

std::unique_ptr<WorkerPool> make_pool(Foundation& f, const WorkerOptions& options) {
  return std::make_unique<WorkerPool>(*f.backend.queue, *f.backend.jobs, *f.blobs, *f.providers,
                                      *f.diacritizer, f.cache.get(), f.clock, f.metrics, options);
}

std::unique_ptr<CleanupScheduler> make_cleanup(Foundation& f, const WorkerOptions& workers) {
  CleanupOptions options = f.config.service.cleanup;
  options.temp_dirs = {workers.scratch_dir};
  options.leftover_dirs = {f.config.service.data_dir};  // blobs, cache, key being written
  // Distributed mode: one worker node at a time cleans up jobs (null in embedded mode).
  options.leads_job_cleanup = f.backend.leads_periodic_work;
  return std::make_unique<CleanupScheduler>(*f.backend.jobs, *f.blobs, f.clock, options);
}

// The webhook sender of a process that runs workers: its own HTTP client, which connects only
// where WEBHOOK_ALLOWED_HOSTS and the address guard allow (never through a proxy), so that no
// connection opened for a provider or storage is ever reused for a user's URL. The body of a
// webhook is the job's /status body (api/job_views.h).
std::unique_ptr<WebhookSender> make_webhook_sender(Foundation& f) {
  http::HttpClientOptions options;
  options.address_policy =
      std::make_shared<const http::AddressPolicy>(f.config.service.webhook_addresses);
  options.max_idle_handles_per_origin = 2;
  options.user_agent = "polyvox-webhooks/0.1";
  return std::make_unique<WebhookSender>(*f.backend.webhooks, *f.backend.jobs, *f.backend.users,
                                         std::make_shared<http::HttpClient>(std::move(options)),
                                         f.clock, job_status_json, f.config.service.webhooks);
}

void register_store_gauges(MetricsRegistry& metrics, JobStore& jobs) {
  metrics.gauge("polyvox_jobs", "Jobs by status", {"status"}, [&jobs] {
    std::vector<std::pair<std::vector<std::string>, double>> samples;
    if (auto counts = jobs.counts()) {
      for (JobStatus s : {JobStatus::kQueued, JobStatus::kProcessing, JobStatus::kCompleted,
                          JobStatus::kFailed, JobStatus::kCancelled}) {
        auto it = counts->jobs.find(s);
        samples.push_back(
            {{job_status_name(s)}, static_cast<double>(it == counts->jobs.end() ? 0 : it->second)});
      }
    }
    return samples;
  });
  metrics.gauge("polyvox_queue_depth", "Tasks waiting to be claimed", {}, [&jobs] {
    std::vector<std::pair<std::vector<std::string>, double>> samples;
    if (auto counts = jobs.counts()) {
      samples.push_back({{}, static_cast<double>(counts->queue_depth)});
    }
    return samples;
  });
}

void register_provider_gauges(MetricsRegistry& metrics, const ProviderRegistry& providers) {
  using Samples = std::vector<std::pair<std::vector<std::string>, double>>;
  // One gauge per figure of ProviderConcurrency, over the providers that keep one.
  auto figure = [&providers](unsigned ProviderConcurrency::*field) {
    return [&providers, field] {
      Samples samples;
      for (const std::string& name : providers.usable_providers()) {
        const Provider* provider = providers.find(name);
        if (auto c = provider ? provider->concurrency() : std::nullopt) {
          samples.push_back({{name}, static_cast<double>((*c).*field)});
        }
      }
      return samples;
    };
  };
  metrics.gauge("polyvox_provider_in_flight", "Calls to a provider in flight", {"provider"},
                figure(&ProviderConcurrency::in_flight));
  metrics.gauge("polyvox_provider_concurrency_limit",
                "Calls to a provider allowed at once now, adapted to its rate limits (0: none)",
                {"provider"}, figure(&ProviderConcurrency::limit));
  metrics.gauge("polyvox_provider_concurrency_ceiling",
                "Most calls to a provider allowed at once (max_concurrency; 0: none)", {"provider"},
                figure(&ProviderConcurrency::ceiling));
}

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

// --- serve ---------------------------------------------------------------------------------

// A job body over 1 MiB is a large one; two of them are parsed at once (the others wait their
// turn on the blocking pool): a burst of maximum-size jobs costs at most twice the parse of one.
constexpr std::size_t kLargeBodyBytes = 1 << 20;
constexpr std::size_t kLargeParses = 2;
// How often at most the memory requests freed is handed back (a walk of every malloc arena,
// about a millisecond): a job's poller at 50 ms costs one walk a second, not twenty.
constexpr std::chrono::milliseconds kReleasePeriod{1000};

struct ServeProcess::Parts {
  explicit Parts(Foundation& f, const std::string& key)
      : memory_throttle(f.clock),
        api_keys(*f.backend.api_keys, *f.backend.users, f.clock),
        auth(*f.backend.users, JwtSigner(key),
             f.backend.throttle ? *f.backend.throttle : memory_throttle, f.clock,
             AuthOptions{f.config.service.token_lifetime_s, {}}, &api_keys),
        sessions(*f.backend.sessions, *f.backend.users, f.clock),
        router(f.metrics),
        releaser(
            [backend = f.backend.release_memory] {
              if (backend) backend();
              release_free_memory();
            },
            kReleasePeriod) {}

  InMemoryLoginThrottle memory_throttle;  // used when the backend has no shared throttle
  ApiKeyService api_keys;
  AuthService auth;
  SessionService sessions;
  ApiDeps deps;
  Router router;
  std::unique_ptr<EventHub> events;         // job events heard on this node, for event streams
  std::unique_ptr<ThreadPool> stream_pool;  // reads segments for audio streams
  // At most kLargeParses job bodies over kLargeBodyBytes are parsed at once.
  ParseGate parse_gate{kLargeBodyBytes, kLargeParses};
  // What requests freed goes back to the system once a period (declared before the server,
  // whose middleware notes each request's end: destroyed after it).
  MemoryReleaser releaser;
  std::unique_ptr<HttpServer> server;
  WorkerOptions worker_options;
  std::unique_ptr<WorkerPool> workers;  // embedded mode only
  std::unique_ptr<CleanupScheduler> cleanup;
  std::unique_ptr<WebhookSender> webhooks;  // embedded mode only
  bool stopped = false;
};

Result<std::unique_ptr<ServeProcess>> ServeProcess::build(const Config& config) {
  auto foundation = open_foundation(config);
  if (!foundation) return foundation.take_error();
  Foundation& f = **foundation;
  const ServiceConfig& service = config.service;
  auto key = load_signing_key(service.secret_key, f.distributed(), service.data_dir);
  if (!key) return key.take_error();

  std::unique_ptr<ServeProcess> process(new ServeProcess());
  process->parts_ = std::make_unique<Parts>(f, *key);
  Parts& p = *process->parts_;
  register_store_gauges(f.metrics, *f.backend.jobs);
  register_provider_gauges(f.metrics, *f.providers);
  p.deps.settings.job = config.job;
  p.deps.settings.public_base_url = service.public_base_url;
  p.deps.settings.metrics_enabled = service.metrics_enabled;
  p.deps.settings.metrics_token = service.metrics_token;
  p.deps.settings.quotas = service.quotas;
  p.deps.settings.max_covers_per_user = service.max_covers_per_user;
  p.deps.jobs = f.backend.jobs;
  p.deps.users = f.backend.users;
  p.deps.auth = &p.auth;
  p.deps.api_keys = &p.api_keys;
  p.deps.sessions = &p.sessions;
  p.deps.blobs = f.blobs.get();
  p.deps.providers = f.providers.get();
  p.deps.metrics = &f.metrics;
  p.deps.clock = &f.clock;
  if (f.backend.event_feed) {
    if (JobEventFeed* feed = f.backend.event_feed()) {
      p.events = std::make_unique<EventHub>(*feed);
      p.deps.events = p.events.get();
      // Scraped over this process's HTTP server, which stops before the hub goes.
      f.metrics.gauge(
          "polyvox_event_subscriptions",
          "Open subscriptions to job events: event and audio streams, requests awaiting a job", {},
          [hub = p.events.get()] {
            return std::vector<std::pair<std::vector<std::string>, double>>{
                {{}, static_cast<double>(hub->subscriptions())}};
          });
      p.stream_pool = std::make_unique<ThreadPool>(4);
      p.deps.stream_pool = p.stream_pool.get();
    }
  }
  p.deps.sample_rate = config.render.segment.sample_rate;
  p.deps.speech = &f.config.speech;
  p.deps.parse_gate = &p.parse_gate;
  p.deps.diacritizer = f.diacritizer.get();
  register_routes(p.router, p.deps);
  p.server = std::make_unique<HttpServer>(
      service.http,
      MiddlewareChain::standard(
          p.router, service.access_log, [&releaser = p.releaser] { releaser.note_work(); },
          service.trusted_proxies));
  // Embedded mode: the workers and the scheduler run in this process. Distributed mode: this is
  // a stateless API node; `polyvox worker` processes do the work.
  p.worker_options = worker_options(config, "embedded");
  if (!f.distributed() && p.worker_options.concurrency > 0) {
    p.workers = make_pool(f, p.worker_options);
    p.cleanup = make_cleanup(f, p.worker_options);
    p.webhooks = make_webhook_sender(f);
  }
  process->foundation_ = std::move(foundation.value());
  return process;
}

ServeProcess::~ServeProcess() { stop(); }

Result<std::string> ServeProcess::ensure_admin() {
  const ServiceConfig& service = foundation_->config.service;
  auto admin = parts_->auth.bootstrap_admin(service.admin_username, service.admin_password);
  // An API node may start before its Redis (a restart of both, a compose file without
  // health-ordered starts): it waits for it, as workers do, instead of exiting. SIGTERM still
  // ends it (the default action: nothing is served yet).
  for (bool said = false;
       !admin && admin.error().kind == ErrorKind::kUnavailable && distributed();) {
    if (!said) {
      log::warn("waiting for Redis", {{"error", admin.error().message}});
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    admin = parts_->auth.bootstrap_admin(service.admin_username, service.admin_password);
    if (admin) log::info("Redis is reachable");
  }
  if (!admin) return admin.take_error();
  return service.admin_password.empty() ? *admin : std::string();
}

Status ServeProcess::start() {
  if (Status started = parts_->server->start(); !started) return started;
  parts_->releaser.start();
  if (parts_->workers) parts_->workers->start();
  if (parts_->cleanup) parts_->cleanup->start();
  if (parts_->webhooks) parts_->webhooks->start();
  return Status::success();
}

std::string ServeProcess::url() const {
  return "http://" + foundation_->config.service.http.host + ":" +
         std::to_string(parts_->server->port());
}

unsigned ServeProcess::workers() const {
  return parts_->workers ? parts_->worker_options.concurrency : 0;
}

void ServeProcess::stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->stop();
  parts_->releaser.stop();
  if (parts_->cleanup) parts_->cleanup->stop();
  if (parts_->workers) parts_->workers->stop();
  if (parts_->webhooks) parts_->webhooks->stop();
}

// --- worker --------------------------------------------------------------------------------

struct WorkerProcess::Cleanup {
  std::unique_ptr<CleanupScheduler> scheduler;
};

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::build(const Config& config) {
  auto foundation = open_foundation(config);
  if (!foundation) return foundation.take_error();
  std::unique_ptr<WorkerProcess> process(new WorkerProcess());
  process->options_ = worker_options(config, "worker");
  process->pool_ = make_pool(**foundation, process->options_);
  process->cleanup_ = std::make_unique<Cleanup>();
  process->cleanup_->scheduler = make_cleanup(**foundation, process->options_);
  process->webhooks_ = make_webhook_sender(**foundation);
  process->foundation_ = std::move(foundation.value());
  return process;
}

WorkerProcess::~WorkerProcess() { stop(); }

void WorkerProcess::start() {
  pool_->start();
  cleanup_->scheduler->start();
  webhooks_->start();
}

void WorkerProcess::stop() {
  if (cleanup_) cleanup_->scheduler->stop();
  if (pool_) pool_->stop();
  if (webhooks_) webhooks_->stop();
}

// --- synth ---------------------------------------------------------------------------------

struct SynthProcess::Pipeline {
  std::shared_ptr<sqlite::SqliteBackend> backend;
  std::unique_ptr<LocalBlobStore> blobs;
  std::unique_ptr<WorkerPool> pool;
};

std::unique_ptr<SynthProcess> SynthProcess::build(const Config& config) {
  std::unique_ptr<SynthProcess> process(new SynthProcess());
  process->config_ = config;
  auto http = std::make_shared<http::HttpClient>();
  process->providers_ = build_providers(config, process->clock_, nullptr, http);
  process->diacritizer_ = build_diacritizer(config, http);
  process->cache_ = build_audio_cache(config, nullptr);
  return process;
}

SynthProcess::~SynthProcess() { stop(); }

Status SynthProcess::open_pipeline(const fs::path& scratch_dir, unsigned concurrency,
                                   WorkObserver* observer) {
  auto pipeline = std::make_unique<Pipeline>();
  sqlite::DatabaseOptions db_options;
  db_options.path = scratch_dir / "polyvox.db";
  db_options.synchronous_full = false;  // the scratch directory does not outlive the command
  sqlite::JobStoreOptions store_options;
  store_options.clock = &clock_;
  auto backend = sqlite::open_sqlite_backend(db_options, store_options);
  if (!backend) return backend.error();
  pipeline->backend = std::move(backend.value());
  // Scratch blobs need not survive a power loss: the directory goes with the command, and the
  // output itself is synced when it is renamed into place.
  pipeline->blobs = std::make_unique<LocalBlobStore>(scratch_dir / "blobs", [](int) { return 0; });
  WorkerOptions options = config_.service.worker;
  options.concurrency =
      concurrency ? concurrency : std::max(1u, std::thread::hardware_concurrency());
  options.render = config_.render;
  options.scratch_dir = scratch_dir / "tmp";
  options.worker_id = "synth";
  options.observer = observer;
  options.on_idle = release_idle_worker_memory;
  sqlite::SqliteJobStore& store = *pipeline->backend->jobs;
  pipeline->pool =
      std::make_unique<WorkerPool>(store, store, *pipeline->blobs, *providers_, *diacritizer_,
                                   cache_.get(), clock_, metrics_, options);
  pipeline_ = std::move(pipeline);
  return Status::success();
}

JobStore& SynthProcess::jobs() { return *pipeline_->backend->jobs; }

void SynthProcess::start() { pipeline_->pool->start(); }

void SynthProcess::stop() {
  if (pipeline_ && pipeline_->pool) pipeline_->pool->stop(0);
}

std::optional<fs::path> SynthProcess::local_file(const std::string& key) const {
  return pipeline_->blobs->path_of(key);
}

// --- users, voices, diacritize -------------------------------------------------------------

Result<std::unique_ptr<UserAdmin>> open_user_admin(const Config& config, bool create) {
  if (config.service.redis_url.empty() && !create) {
    const fs::path db =
        fs::absolute(fs::path(config.service.data_dir) / "polyvox.db").lexically_normal();
    std::error_code ec;
    if (!fs::exists(db, ec)) {
      return invalid_input("POLYVOX_DATA_DIR",
                           "no database at " + db.string() +
                               ": run the command where the service runs, set POLYVOX_DATA_DIR, "
                               "or add --create (users add) to start a new one");
    }
  }
  auto admin = std::make_unique<UserAdmin>();
  auto backend = open_backend(config, admin->clock, /*serving=*/false);
  if (!backend) return backend.take_error();
  admin->backend = std::move(backend.value());
  return admin;
}

std::string user_admin_location(const Config& config) {
  if (!config.service.redis_url.empty()) {
    auto endpoint = redis::parse_redis_url(config.service.redis_url);
    return "Redis at " + (endpoint ? endpoint->display() : std::string("an invalid REDIS_URL"));
  }
  return "data directory " + fs::absolute(config.service.data_dir).lexically_normal().string() +
         " (SQLite)";
}

std::unique_ptr<ProviderRegistry> open_providers(const Config& config) {
  static const SystemClock clock;  // stateless; the providers keep a reference to it
  return build_providers(config, clock);
}

std::unique_ptr<Diacritizer> open_diacritizer(const Config& config) {
  return build_diacritizer(config);
}

Result<std::unique_ptr<EmbeddedDiacritizer>> open_embedded_diacritizer(const Config& config) {
  return EmbeddedDiacritizer::create(config.models_dir + "/" + EmbeddedDiacritizer::kModelFile,
                                     config.models_dir + "/" + EmbeddedDiacritizer::kLexiconFile);
}

// --- signals -------------------------------------------------------------------------------

void block_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

std::optional<int> take_stop_signal() {
  const sigset_t signals = stop_signals();
  const timespec now{0, 0};
  const int taken = sigtimedwait(&signals, nullptr, &now);
  if (taken < 0) return std::nullopt;
  return taken;
}

void unblock_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

int wait_for_stop_signal() {
  const sigset_t signals = stop_signals();
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

}  // namespace polyvox
