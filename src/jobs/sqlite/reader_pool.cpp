#include "jobs/sqlite/reader_pool.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace polyvox::sqlite {

// The connections the current thread holds, one per live pool it has read from.
struct ThreadReaders {
  struct Slot {
    uint64_t pool_id;
    std::weak_ptr<ReaderPool::Registry> registry;
    Connection* connection;
  };
  std::vector<Slot> slots;

  // The thread ends: close its connections of pools that are still alive.
  ~ThreadReaders() {
    for (auto& slot : slots) forget(slot);
  }

  static void forget(Slot& slot) {
    auto registry = slot.registry.lock();
    if (!registry) return;  // the pool closed it already
    std::lock_guard lock(registry->mu);
    std::erase_if(registry->connections, [&](const auto& c) { return c.get() == slot.connection; });
  }
};

namespace {

std::atomic<uint64_t> next_pool_id{1};
thread_local ThreadReaders thread_readers;

}  // namespace

ReaderPool::ReaderPool(std::filesystem::path path, ConnectionOptions options)
    : id_(next_pool_id++),
      path_(std::move(path)),
      options_(options),
      registry_(std::make_shared<Registry>()) {}

ReaderPool::~ReaderPool() = default;  // the Registry closes what no thread closed

Result<Connection*> ReaderPool::local() {
  auto& slots = thread_readers.slots;
  for (const auto& slot : slots) {
    // While this pool is alive, nobody but this thread removes this thread's connection.
    if (slot.pool_id == id_) return slot.connection;
  }
  // First read of this thread from this pool: drop slots of pools that are gone.
  std::erase_if(slots, [](const auto& slot) { return slot.registry.expired(); });
  auto conn = Connection::open(path_, options_);
  if (!conn) return conn.take_error();
  Connection* raw = conn->get();
  {
    std::lock_guard lock(registry_->mu);
    registry_->connections.push_back(std::move(*conn));
  }
  slots.push_back({id_, registry_, raw});
  return raw;
}

}  // namespace polyvox::sqlite
