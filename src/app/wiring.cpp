#include "app/wiring.h"

#include <stdexcept>

#include <filesystem>

#include "jobs/sqlite/sqlite_database.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "jobs/sqlite/sqlite_user_store.h"
#include "providers/elevenlabs_provider.h"
#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"
#include "providers/ghaymah_pro_provider.h"
#include "providers/kokoro_provider.h"
#include "providers/openai_provider.h"

namespace polyvox {

std::unique_ptr<ProviderRegistry> build_providers(const Config& config,
                                                  std::shared_ptr<const http::HttpClient> http) {
  auto registry = std::make_unique<ProviderRegistry>();
  if (auto espeak = EspeakProvider::create()) {
    registry->add(std::move(espeak.value()));
  } else {
    registry->add_unusable("espeak", espeak.error().message);
  }
  if (auto flite = FliteProvider::create()) {
    registry->add(std::move(flite.value()));
  } else {
    registry->add_unusable("flite", flite.error().message);
  }
  if (!http) http = std::make_shared<http::HttpClient>();
  for (const CloudProviderConfig& c : config.providers.providers) {
    if (!c.unusable_reason.empty()) {
      registry->add_unusable(c.name, c.unusable_reason, c.kind);
      continue;
    }
    std::unique_ptr<Provider> provider;
    if (c.kind == "elevenlabs") {
      provider = std::make_unique<ElevenLabsProvider>(c, http);
    } else if (c.kind == "openai") {
      provider = std::make_unique<OpenAiProvider>(c, http);
    } else if (c.kind == "ghaymah_pro") {
      provider = std::make_unique<GhaymahProProvider>(c, http);
    } else if (c.kind == "kokoro") {
      provider = std::make_unique<KokoroProvider>(c, http);
    }
    if (provider) registry->add(std::move(provider), c.settings);
  }
  return registry;
}

Result<Backend> open_backend(const Config& config, const Clock& clock) {
  if (!config.service.redis_url.empty()) {
    return Error{ErrorKind::kUnavailable,
                 "REDIS_URL is set but distributed mode is not available in this build", ""};
  }
  std::error_code ec;
  std::filesystem::create_directories(config.service.data_dir, ec);
  sqlite::DatabaseOptions db_options;
  db_options.path = std::filesystem::path(config.service.data_dir) / "polyvox.db";
  auto db = sqlite::Database::open(db_options);
  if (!db) return db.take_error();
  sqlite::JobStoreOptions store_options;
  store_options.clock = &clock;
  auto store = sqlite::SqliteJobStore::open(*db, store_options);
  if (!store) return store.take_error();
  struct Owner {
    std::shared_ptr<sqlite::Database> db;
    std::unique_ptr<sqlite::SqliteJobStore> store;
    std::unique_ptr<sqlite::SqliteUserStore> users;
  };
  auto owner = std::make_shared<Owner>();
  owner->db = *db;
  owner->store = std::move(store.value());
  owner->users = std::make_unique<sqlite::SqliteUserStore>(*db);
  Backend backend;
  backend.jobs = owner->store.get();
  backend.queue = owner->store.get();
  backend.users = owner->users.get();
  backend.owner = owner;
  return backend;
}

std::unique_ptr<Diacritizer> build_diacritizer(const Config& config) {
  if (config.diacritizer == "none") return std::make_unique<NoDiacritizer>();
  throw std::invalid_argument("DIACRITIZER must be 'none' (got '" + config.diacritizer + "')");
}

}  // namespace polyvox
