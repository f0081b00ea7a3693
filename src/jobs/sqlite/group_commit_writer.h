// The database's only writer: one thread that runs the write operations of every caller, as many
// as are waiting in one transaction (group commit), so that one fsync covers a whole batch. A
// caller is unblocked when the transaction holding its operation has committed, so what it was
// told is durable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include "core/error.h"
#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

// What the writer has done so far: operations / transactions is the mean batch size.
struct WriterStats {
  uint64_t transactions = 0;
  uint64_t operations = 0;
};

class GroupCommitWriter {
 public:
  // Takes `connection` (writable, no transaction open) and starts the writer thread. A batch
  // holds at most `max_batch` operations.
  GroupCommitWriter(std::unique_ptr<Connection> connection, std::size_t max_batch);
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;
  // Runs what was submitted, then stops the thread. REQUIRES: no call of run() is starting.
  ~GroupCommitWriter();

  // What the writer has done so far. Thread-safe.
  WriterStats stats() const;

  // A seqlock-style count of commits: odd while a transaction is committing (or rolling back),
  // even otherwise, and increased by 2 by each one. A value read before a read transaction that
  // is even and still current after it proves that nothing was committed through this writer
  // meanwhile (ReadCache relies on it). Writes of other processes are not counted. Thread-safe.
  uint64_t generation() const { return generation_.load(); }

  // True when the last transaction the writer tried could not commit (disk full, I/O error, the
  // lock held past the busy timeout): writes fail while reads may still work. Thread-safe.
  bool last_commit_failed() const { return last_commit_failed_.load(); }

  // Frees the unused pages of the writer connection's page cache (Connection::release_memory)
  // on the writer thread, between two batches, and returns once that is done: after a large job
  // SQLite's cache (2 MiB by default) otherwise stays full while the process is idle. The next
  // writes read their pages again from the file (the OS page cache). Thread-safe; not from
  // inside an operation (it would wait for itself).
  void release_memory();

  // Runs `op(Connection&)` on the writer thread inside a transaction shared with other
  // operations, and returns its result (a Result<T> or a Status) once that transaction has
  // committed. An operation that returns an error, or throws (anything: the exception never
  // reaches the writer thread, the operation fails with kInternal), is rolled back alone (a
  // savepoint); the others of its batch still commit. When the transaction cannot commit, every
  // operation of the batch returns that error instead of its own result: nothing of it was
  // stored. `op` must not block; it may keep in-memory effects (e.g. wake a waiter) that are
  // harmless if the batch then fails to commit. Thread-safe.
  template <typename Op>
  auto run(Op&& op) -> std::invoke_result_t<Op&, Connection&> {
    using R = std::invoke_result_t<Op&, Connection&>;
    std::optional<R> out;
    Status committed = submit([&](Connection& db) {
      try {
        out.emplace(op(db));
      } catch (const std::exception& e) {
        out.emplace(
            R(Error{ErrorKind::kInternal, std::string("store operation failed: ") + e.what(), ""}));
      } catch (...) {
        out.emplace(
            R(Error{ErrorKind::kInternal, "store operation failed: unknown exception", ""}));
      }
      return out->ok();
    });
    if (!committed.ok()) return R(committed.error());
    return std::move(*out);
  }

 private:
  struct Pending {
    std::function<bool(Connection&)> apply;  // false: roll this operation back
    Status committed;
    bool done = false;
  };

  Status submit(std::function<bool(Connection&)> apply);
  void loop();
  // Runs `batch` in one transaction; the commit's outcome.
  Status run_batch(const std::vector<Pending*>& batch);

  const std::unique_ptr<Connection> db_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for operations
  std::condition_variable done_cv_;  // callers wait for their batch
  std::deque<Pending*> queue_;       // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  uint64_t releases_asked_ = 0;      // release_memory() calls so far; guarded by mu_
  uint64_t releases_done_ = 0;       // of those, the ones the writer has served; guarded by mu_
  WriterStats stats_;                // guarded by mu_
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> last_commit_failed_{false};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace polyvox::sqlite
