#include "app/wiring.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "app/registrations.h"
#include "auth/signing_key.h"
#include "core/ids.h"
#include "jobs/redis/leader_lease.h"
#include "jobs/redis/redis_api_key_store.h"
#include "jobs/redis/redis_event_subscriber.h"
#include "jobs/redis/redis_job_store.h"
#include "jobs/redis/redis_login_throttle.h"
#include "jobs/redis/redis_session_store.h"
#include "jobs/redis/redis_url.h"
#include "jobs/redis/redis_user_store.h"
#include "jobs/redis/redis_webhook_outbox.h"
#include "jobs/sqlite/sqlite_backend.h"
#include "log/log.h"
#include "providers/resilient_provider.h"
#include "storage/mirror_blob_store.h"
#include "text/caching_diacritizer.h"

namespace polyvox {

std::unique_ptr<ProviderRegistry> build_providers(const Config& config, const Clock& clock,
                                                  MetricsRegistry* metrics,
                                                  std::shared_ptr<const http::HttpClient> http) {
  auto registry = std::make_unique<ProviderRegistry>();
  auto add = [&](std::unique_ptr<Provider> provider, ResilienceOptions options,
                 ProviderSettings settings = {}) {
    registry->add(std::make_unique<ResilientProvider>(std::move(provider), clock, options, metrics),
                  std::move(settings));
  };
  // The local engines serialize internally; they need no concurrency limit.
  const LocalProviderKinds engines = local_provider_kinds();
  for (const LocalProviderKind& kind : engines.all()) {
    if (auto engine = kind.create()) {
      add(std::move(engine.value()), {});
    } else {
      registry->add_unusable(kind.name, engine.error().message, kind.name);
    }
  }
  if (!http) http = std::make_shared<http::HttpClient>();
  const ProviderKinds kinds = provider_kinds();
  for (const CloudProviderConfig& c : config.providers.providers) {
    if (!c.unusable_reason.empty()) {
      registry->add_unusable(c.name, c.unusable_reason, c.kind);
      continue;
    }
    const ProviderKind* kind = kinds.find(c.kind);
    if (!kind) continue;  // load_providers_config admits registered kinds only
    auto provider = kind->create(c, http);
    if (!provider) {
      registry->add_unusable(c.name, provider.error().message, c.kind);
      continue;
    }
    ResilienceOptions options;
    options.max_concurrency = static_cast<unsigned>(c.settings.max_concurrency);
    options.breaker = config.breaker;
    add(std::move(provider.value()), options, c.settings);
  }
  return registry;
}

namespace {

// Distributed mode: every store on one connection pool. Touches no network, so that workers
// start (and wait) while Redis is still down.
Result<Backend> open_redis_backend(const Config& config, const Clock& clock) {
  auto endpoint = redis::parse_redis_url(config.service.redis_url);
  if (!endpoint) return endpoint.take_error();
  const std::string& prefix = config.service.redis_key_prefix;
  struct Owner {
    std::shared_ptr<redis::Pool> pool;
    std::unique_ptr<redis::RedisJobStore> store;
    std::unique_ptr<redis::RedisUserStore> users;
    std::unique_ptr<redis::RedisApiKeyStore> api_keys;
    std::unique_ptr<redis::RedisSessionStore> sessions;
    std::unique_ptr<redis::RedisLoginThrottle> throttle;
    std::unique_ptr<redis::RedisWebhookOutbox> webhooks;
    std::once_flag campaign;
    std::unique_ptr<redis::LeaderLease> leader;  // made by the first leads_periodic_work()
    std::once_flag subscription;
    std::unique_ptr<redis::RedisEventSubscriber> events;  // made by the first event_feed()
  };
  auto owner = std::make_shared<Owner>();
  redis::PoolOptions pool_options;
  // Each worker slot holds a connection while its claim waits; heartbeats and reports need more.
  pool_options.max_connections = std::max<std::size_t>(pool_options.max_connections,
                                                       2 * config.service.worker.concurrency + 16);
  owner->pool = std::make_shared<redis::Pool>(*endpoint, pool_options);
  redis::JobStoreOptions options;
  options.clock = &clock;
  options.key_prefix = prefix;
  options.interactive_max_blocks = config.service.interactive_max_blocks;
  owner->store = std::make_unique<redis::RedisJobStore>(owner->pool, options);
  owner->users = std::make_unique<redis::RedisUserStore>(owner->pool, prefix);
  owner->api_keys = std::make_unique<redis::RedisApiKeyStore>(owner->pool, prefix);
  owner->sessions = std::make_unique<redis::RedisSessionStore>(owner->pool, prefix);
  owner->throttle = std::make_unique<redis::RedisLoginThrottle>(owner->pool, prefix, clock);
  owner->webhooks = std::make_unique<redis::RedisWebhookOutbox>(owner->pool, prefix, clock);
  Backend backend;
  backend.jobs = owner->store.get();
  backend.queue = owner->store.get();
  backend.users = owner->users.get();
  backend.api_keys = owner->api_keys.get();
  backend.sessions = owner->sessions.get();
  backend.webhooks = owner->webhooks.get();
  backend.throttle = owner->throttle.get();
  backend.leads_periodic_work = [owner, prefix] {
    std::call_once(owner->campaign, [&] {
      owner->leader = std::make_unique<redis::LeaderLease>(
          owner->pool, redis::LeaderLeaseOptions{"cleanup", new_uuid4(), prefix});
      (void)owner->leader->try_acquire();  // so that the first answer is already the truth
      owner->leader->start();
    });
    return owner->leader->held();
  };
  backend.event_feed = [owner, prefix]() -> JobEventFeed* {
    std::call_once(owner->subscription, [&] {
      owner->events =
          std::make_unique<redis::RedisEventSubscriber>(owner->pool->endpoint(), prefix);
      owner->events->start();
    });
    return owner->events.get();
  };
  backend.owner = owner;
  return backend;
}

// Held by the process that serves an embedded data directory. A second one on the same
// directory would take the first one's leased tasks back as a dead process's and render them
// twice: it is refused instead. The kernel drops the lock with the process, however it ends.
class DataDirLock {
 public:
  static Result<std::shared_ptr<DataDirLock>> acquire(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / "serve.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Error{ErrorKind::kIo, "cannot open " + path.string(), ""};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return invalid_input("POLYVOX_DATA_DIR", dir.string() +
                                                   " is in use by another polyvox process "
                                                   "serving it (one per data directory)");
    }
    return std::shared_ptr<DataDirLock>(new DataDirLock(fd));
  }
  ~DataDirLock() { ::close(fd_); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Result<Backend> open_backend(const Config& config, const Clock& clock, bool serving) {
  if (!config.service.redis_url.empty()) return open_redis_backend(config, clock);
  if (Status s = ensure_private_data_dir(config.service.data_dir); !s) return s.error();
  std::shared_ptr<DataDirLock> lock;
  if (serving) {
    auto acquired = DataDirLock::acquire(config.service.data_dir);
    if (!acquired) return acquired.take_error();
    lock = std::move(acquired.value());
  }
  sqlite::DatabaseOptions db_options;
  db_options.path = std::filesystem::path(config.service.data_dir) / "polyvox.db";
  sqlite::JobStoreOptions store_options;
  store_options.clock = &clock;
  // Only one serving process uses the file: what was leased when it started belongs to a
  // process that is gone.
  store_options.expire_leases_at_open = serving;
  store_options.interactive_max_blocks = config.service.interactive_max_blocks;
  auto sqlite_backend = sqlite::open_sqlite_backend(db_options, store_options);
  if (!sqlite_backend) return sqlite_backend.take_error();
  const auto& opened = *sqlite_backend;
  Backend backend;
  backend.jobs = opened->jobs.get();
  backend.queue = opened->jobs.get();
  backend.users = opened->users.get();
  backend.api_keys = opened->api_keys.get();
  backend.sessions = opened->sessions.get();
  backend.webhooks = opened->webhooks.get();
  backend.event_feed = [store = opened->jobs.get()]() -> JobEventFeed* {
    return &store->event_feed();
  };
  backend.release_memory = [stores = opened.get()] { stores->release_memory(); };
  struct Owner {
    std::shared_ptr<sqlite::SqliteBackend> stores;
    std::shared_ptr<DataDirLock> lock;  // released after the stores are closed
  };
  backend.owner = std::make_shared<Owner>(Owner{opened, std::move(lock)});
  return backend;
}

namespace {

// The mirror when STORAGE_MIRROR_BACKEND is unset and no other backend is configured.
constexpr const char* kLastResortMirror = "local";

// The store of backend `name`. An unknown name, or a missing or malformed setting, is
// kInvalidInput naming the variable.
Result<std::unique_ptr<BlobStore>> make_blob_store(const BlobStoreKinds& kinds,
                                                   const std::string& name, const Config& config,
                                                   std::shared_ptr<const http::HttpClient> http) {
  const BlobStoreKind* kind = kinds.find(name);
  if (!kind) {
    return invalid_input("STORAGE_BACKEND",
                         "must be " + kinds.names_as_choice() + " (got '" + name + "')");
  }
  return kind->create({config.service.storage, config.service.data_dir, std::move(http)});
}

}  // namespace

Result<std::unique_ptr<BlobStore>> build_blob_store(const Config& config,
                                                    std::shared_ptr<const http::HttpClient> http,
                                                    MetricsRegistry* metrics) {
  if (!http) http = std::make_shared<http::HttpClient>();
  const BlobStoreKinds kinds = blob_store_kinds();
  const std::string& kind = config.service.storage_backend;
  auto primary = make_blob_store(kinds, kind, config, http);
  if (!primary || !config.service.storage.mirroring) return primary;

  const StorageSettings& s = config.service.storage;
  std::string other = s.mirror_backend;
  if (other.empty()) {
    for (const BlobStoreKind& candidate : kinds.all()) {
      if (candidate.name != kind && candidate.configured && candidate.configured(s)) {
        other = candidate.name;
        break;
      }
    }
    if (other.empty()) other = kLastResortMirror;
  }
  if (other == kind && s.mirror_backend.empty()) {
    return invalid_input("STORAGE_MIRRORING",
                         "needs a second storage backend: configure s3 (S3_BUCKET_NAME, "
                         "S3_ACCESS_KEY, S3_SECRET_KEY) or cloudinary (CLOUDINARY_URL)");
  }
  if (other == kind) {
    return invalid_input("STORAGE_MIRROR_BACKEND",
                         "must differ from STORAGE_BACKEND (both are '" + kind + "')");
  }
  auto secondary = make_blob_store(kinds, other, config, http);
  if (!secondary) return secondary.take_error();
  log::info("storage mirrored", {{"primary", kind}, {"mirror", other}});
  return std::unique_ptr<BlobStore>(new MirrorBlobStore(
      std::move(primary.value()), std::move(secondary.value()), other, metrics));
}

std::unique_ptr<AudioCache> build_audio_cache(const Config& config, MetricsRegistry* metrics) {
  if (!config.cache_enabled) return nullptr;
  return std::make_unique<DiskAudioCache>(std::filesystem::path(config.service.data_dir) / "cache",
                                          config.audio_cache_max_bytes, metrics);
}

std::unique_ptr<Diacritizer> build_diacritizer(const Config& config,
                                               std::shared_ptr<const http::HttpClient> http) {
  const DiacritizerKinds kinds = diacritizer_kinds();
  const DiacritizerKind* kind = kinds.find(config.diacritizer);
  if (!kind) {
    throw std::invalid_argument("DIACRITIZER must be " + kinds.names_as_choice() + " (got '" +
                                config.diacritizer + "')");
  }
  auto diacritizer = kind->create({config.diacritizer_url, config.models_dir, std::move(http)});
  if (!diacritizer) throw std::invalid_argument(diacritizer.error().to_string());
  return std::make_unique<CachingDiacritizer>(std::move(diacritizer.value()),
                                              config.diacritizer_cache_max_bytes);
}

}  // namespace polyvox
