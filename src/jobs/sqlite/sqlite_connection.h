// RAII over the SQLite C API: one connection, its cached prepared statements, and errors turned
// into values. The raw C API rather than SQLiteCpp because SQLiteCpp reports errors by throwing
// and Polyvox keeps errors as values (docs/style.md); the wrapper we need is this small.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace polyvox::sqlite {

// An Error for the failed SQLite call `what` on `db` (kUnavailable when the database is busy,
// full or unreadable, so that a caller may retry; kInternal otherwise).
Error sqlite_error(sqlite3* db, int code, std::string_view what);

// A prepared statement, reset and unbound whenever a Use of it ends. Not thread-safe: it belongs
// to one connection, which is used by one thread at a time.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters by position, 1-based. Text and blobs are copied (SQLITE_TRANSIENT) so the
  // caller's buffers may die before the statement runs.
  void bind(int pos, int64_t value) { sqlite3_bind_int64(stmt_.get(), pos, value); }
  void bind(int pos, int value) { sqlite3_bind_int64(stmt_.get(), pos, value); }
  void bind(int pos, std::size_t value) {
    sqlite3_bind_int64(stmt_.get(), pos, static_cast<int64_t>(value));
  }
  void bind(int pos, bool value) { sqlite3_bind_int(stmt_.get(), pos, value ? 1 : 0); }
  void bind(int pos, double value) { sqlite3_bind_double(stmt_.get(), pos, value); }
  void bind(int pos, std::string_view value) {
    sqlite3_bind_text(stmt_.get(), pos, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  void bind(int pos, const char* value) { bind(pos, std::string_view(value)); }
  void bind(int pos, const std::string& value) { bind(pos, std::string_view(value)); }
  void bind_null(int pos) { sqlite3_bind_null(stmt_.get(), pos); }
  // NULL when empty.
  void bind(int pos, const std::optional<int64_t>& value) {
    if (value) {
      bind(pos, *value);
    } else {
      bind_null(pos);
    }
  }

  // Binds every argument in order, from position 1.
  template <typename... Args>
  void bind_all(const Args&... args) {
    [[maybe_unused]] int pos = 0;
    (bind(++pos, args), ...);
  }

  // Advances: true when a row is available, false when done. Errors are values.
  Result<bool> step();
  // Runs a statement that returns no rows (or whose rows are ignored) to completion.
  Status run();

  // Column accessors of the current row, 0-based. REQUIRES: step() returned true.
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  double real(int col) const { return sqlite3_column_double(stmt_.get(), col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  std::string text(int col) const;

  // Back to its initial state, parameters cleared. Done by Use's destructor.
  void reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// A cached statement borrowed for one use; resets it when it goes out of scope, so that a
// statement never keeps a read transaction open by accident.
class Use {
 public:
  explicit Use(Statement& s) : s_(&s) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() { s_->reset(); }
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  Statement* s_;
};

struct ConnectionOptions {
  // A reader: opens an existing file only and refuses writes (PRAGMA query_only). It still opens
  // read-write at the OS level, because a WAL reader must be able to update the -shm index.
  bool reader = false;
  // synchronous=FULL: every commit is fsynced (survives power loss). NORMAL: in WAL mode commits
  // survive a process crash (kill -9) but the last ones may be lost on power loss.
  bool synchronous_full = true;
  int busy_timeout_ms = 5000;  // another process (e.g. `polyvox users`) holding the write lock
};

// One SQLite connection in WAL mode with a cache of prepared statements. Not thread-safe: used
// by one thread at a time (the writer thread, or one reader thread).
class Connection {
 public:
  // Opens (creating it when writable) the database file at `path`. kUnavailable if it cannot.
  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path,
                                                  const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The cached statement for `sql`, prepared on first use. Errors (a syntax error: a bug) are
  // values. The returned reference stays valid as long as the connection.
  Result<Statement*> prepare(std::string_view sql);

  // Runs `sql` (one or more statements, no parameters, rows ignored). Not cached: for schema
  // changes and pragmas.
  Status exec(const char* sql);

  // Prepares (cached) and runs one statement binding `args` in order.
  template <typename... Args>
  Status run(std::string_view sql, const Args&... args) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt.take_error();
    Use use(**stmt);
    use->bind_all(args...);
    return use->run();
  }

  // Runs a query binding `args`, calling `on_row(const Statement&)` on each row it returns.
  template <typename OnRow, typename... Args>
  Status for_each_row(std::string_view sql, OnRow&& on_row, const Args&... args) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt.take_error();
    Use use(**stmt);
    use->bind_all(args...);
    for (;;) {
      auto row = use->step();
      if (!row) return row.take_error();
      if (!*row) return Status::success();
      on_row(*use);
    }
  }

  // The first row of a query binding `args`, as `from_row(const Statement&)` makes it, or
  // nullopt when the query returns no row.
  template <typename FromRow, typename... Args>
  auto query_row(std::string_view sql, FromRow&& from_row, const Args&... args)
      -> Result<std::optional<std::invoke_result_t<FromRow&, const Statement&>>> {
    using T = std::invoke_result_t<FromRow&, const Statement&>;
    auto stmt = prepare(sql);
    if (!stmt) return stmt.take_error();
    Use use(**stmt);
    use->bind_all(args...);
    auto row = use->step();
    if (!row) return row.take_error();
    if (!*row) return std::optional<T>();
    return std::optional<T>(from_row(*use));
  }

  // The single integer of a one-row query (count, max...), or nullopt when it returns no row or
  // NULL.
  template <typename... Args>
  Result<std::optional<int64_t>> query_int(std::string_view sql, const Args&... args) {
    auto value = query_row(
        sql,
        [](const Statement& row) {
          return row.is_null(0) ? std::nullopt : std::optional(row.int64(0));
        },
        args...);
    if (!value) return value.take_error();
    return value->value_or(std::nullopt);
  }

  // Rows changed by the latest INSERT/UPDATE/DELETE, and the rowid of the latest INSERT.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

  sqlite3* handle() const { return db_; }

  // Work to run once the write transaction in progress has committed (an announcement of what
  // it changed). The group commit writer runs it on its thread, in commit order, and drops it
  // when the operation that added it is rolled back. Must be quick and must not use the
  // database.
  void after_commit(std::function<void()> work) { after_commit_.push_back(std::move(work)); }
  // The work added so far (for the writer).
  std::vector<std::function<void()>>& pending_after_commit() { return after_commit_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Transparent hashing so that lookups by string_view do not allocate.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> cache_;
  std::vector<std::function<void()>> after_commit_;
};

}  // namespace polyvox::sqlite
