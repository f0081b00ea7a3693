// The read connections of one database file, shared by the threads that read. A read takes the
// idle connection returned most recently (so its page cache and prepared statements are warm),
// opens a new one while fewer than max_connections exist, or else waits for one to be returned.
// The bound keeps memory flat however many threads read (each connection holds a page cache,
// the parsed schema and its statements: one per thread cost ~0.5 MB each for 40+ threads); WAL
// still lets the readers and the one writer proceed together.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/error.h"
#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

class ReaderPool {
 public:
  // REQUIRES: max_connections >= 1.
  ReaderPool(std::filesystem::path path, ConnectionOptions options, std::size_t max_connections);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;
  // Closes every connection. REQUIRES: no Lease is alive.
  ~ReaderPool();

  // One connection, the caller's alone until the Lease is destroyed (which hands it back).
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class ReaderPool;
    Lease(ReaderPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ReaderPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // A connection: an idle one, a new one (kUnavailable when it cannot be opened), or the next
  // one handed back when max_connections are all in use. Thread-safe.
  Result<Lease> acquire();

  // For tests and metrics: connections open, and threads waiting in acquire(). Thread-safe.
  std::size_t open_connections() const;
  std::size_t waiting() const;

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::filesystem::path path_;
  const ConnectionOptions options_;
  const std::size_t max_connections_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_; the last is the warmest
  std::size_t open_ = 0;                           // guarded by mu_: idle + leased + opening
  std::size_t waiting_ = 0;                        // guarded by mu_
};

}  // namespace polyvox::sqlite
