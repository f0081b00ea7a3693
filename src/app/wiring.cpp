#include "app/wiring.h"

#include <stdexcept>

#include <filesystem>

#include "jobs/sqlite/sqlite_database.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "jobs/sqlite/sqlite_user_store.h"
#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"

namespace polyvox {

std::unique_ptr<ProviderRegistry> build_providers(const Config& config) {
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
