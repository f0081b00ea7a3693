// The embedded mode's database file, shared by the SQLite JobStore/TaskQueue and UserStore: one
// writer thread with group commit for every write, a bounded pool of read connections, and a
// checkpointer thread. One process at a time may use it as a service (`polyvox serve`); other
// processes (`polyvox users`) may write to it briefly, waiting for the write lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <type_traits>

#include "core/error.h"
#include "core/waiting.h"
#include "jobs/sqlite/group_commit_writer.h"
#include "jobs/sqlite/reader_pool.h"
#include "jobs/sqlite/sqlite_connection.h"
#include "jobs/sqlite/wal_checkpointer.h"

namespace polyvox::sqlite {

struct DatabaseOptions {
  std::filesystem::path path;  // the database file; its directory must exist

  // true (the default): synchronous=FULL, every commit is fsynced before its callers return, so
  // an acknowledged write survives power loss too. false: synchronous=NORMAL, commits still
  // survive kill -9 of the process (WAL frames are written before COMMIT returns) but the last
  // ones before a power loss or OS crash may be lost (the database stays consistent).
  bool synchronous_full = true;

  // Most write operations per transaction. Larger batches mean fewer fsyncs under load; the
  // cost is the latency of the callers at the end of a batch.
  std::size_t max_batch = 512;

  // Read connections open at most at once (reader_pool.h); a read beyond them waits for one.
  std::size_t max_readers = 8;

  // How long a statement waits for another process's lock (`polyvox users` writing, a backup)
  // before it fails with "database is locked". Tests shorten it.
  int busy_timeout_ms = 5000;
};

class Database {
 public:
  // Opens (creating it if needed) and migrates the database, starts the writer thread.
  // kUnavailable if the file cannot be opened; kInternal if its schema is newer than ours.
  static Result<std::shared_ptr<Database>> open(const DatabaseOptions& options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `op(Connection&)` on the writer thread (see GroupCommitWriter::run): a Result<T> or a
  // Status, returned once durable. Thread-safe.
  template <typename Op>
  auto write(Op&& op) -> std::invoke_result_t<Op&, Connection&> {
    using R = std::invoke_result_t<Op&, Connection&>;
    if (!may_wait()) return R(refuse_to_wait("a SQLite write"));
    return writer_->run(std::forward<Op>(op));
  }

  // Whether writes work: true when the writer's last transaction committed; after one that
  // could not (disk full, I/O error, a lock held past the busy timeout), true only once a probe
  // write (a counters row) commits now. For /ready: reads may work while writes do not.
  // Thread-safe; not from inside an operation.
  bool writable();

  // Transactions and operations written so far (for metrics and benchmarks). Thread-safe.
  WriterStats write_stats() const { return writer_->stats(); }

  // GroupCommitWriter::generation() of this database's writer. Thread-safe.
  uint64_t write_generation() const { return writer_->generation(); }

  // Frees the page caches of the idle read connections (ReaderPool::release_idle_memory) and
  // the writer's unused pages (GroupCommitWriter::release_memory: waits for the batch being
  // written, if any). Thread-safe; not from inside an operation.
  void release_memory() {
    readers_.release_idle_memory();
    writer_->release_memory();
  }

  // Runs `op(Connection&)` on a read connection of the pool inside one read transaction (a
  // consistent snapshot of committed data); an `op` that throws fails with kInternal. Thread-safe.
  // REQUIRES: `op` does not read through this database again (it would take a second connection).
  template <typename Op>
  auto read(Op&& op) -> std::invoke_result_t<Op&, Connection&> {
    using R = std::invoke_result_t<Op&, Connection&>;
    if (!may_wait()) return R(refuse_to_wait("a SQLite read"));
    auto db = readers_.acquire();
    if (!db) return R(db.take_error());
    if (auto s = (*db)->run("BEGIN"); !s) return R(s.error());
    // An operation that throws (a stored value of an unexpected type, memory) fails alone with
    // kInternal, as the writer's do: its connection goes back to the pool with no transaction.
    std::optional<R> out;
    try {
      out.emplace(op(**db));
    } catch (const std::exception& e) {
      out.emplace(
          R(Error{ErrorKind::kInternal, std::string("store read failed: ") + e.what(), ""}));
    } catch (...) {
      out.emplace(R(Error{ErrorKind::kInternal, "store read failed: unknown exception", ""}));
    }
    // COMMIT of a read transaction only releases the snapshot; a failure leaves it open, so
    // roll back then (the connection must not keep an old snapshot).
    if (!(*db)->run("COMMIT")) (void)(*db)->run("ROLLBACK");
    return std::move(*out);
  }

 private:
  Database(std::unique_ptr<Connection> writer, std::unique_ptr<WalCheckpointer> checkpointer,
           const DatabaseOptions& options);

  // Destroyed in reverse: the writer stops committing before the checkpointer its WAL hook
  // points to, and both before the readers.
  ReaderPool readers_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

}  // namespace polyvox::sqlite
