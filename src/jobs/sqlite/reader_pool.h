// One read connection per thread that reads, so that readers never wait for one another or for
// the writer (WAL lets readers and one writer proceed together) and their prepared statements
// stay warm.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

class ReaderPool {
 public:
  ReaderPool(std::filesystem::path path, ConnectionOptions options);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;
  // Closes every connection. REQUIRES: no thread is using one.
  ~ReaderPool();

  // The calling thread's connection to the database, opened on its first call. The connection
  // stays usable by this thread until the pool is destroyed or the thread exits (whichever
  // comes first closes it). Thread-safe; a hit costs a short scan of a thread-local list.
  Result<Connection*> local();

 private:
  // Owns the connections; shared with the threads' exit handlers so that a thread that ends
  // before the pool can close its own connection.
  struct Registry {
    std::mutex mu;
    std::vector<std::unique_ptr<Connection>> connections;
  };
  friend struct ThreadReaders;

  const uint64_t id_;  // unique across the process, never reused
  const std::filesystem::path path_;
  const ConnectionOptions options_;
  std::shared_ptr<Registry> registry_;
};

}  // namespace polyvox::sqlite
