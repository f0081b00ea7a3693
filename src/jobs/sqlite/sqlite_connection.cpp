#include "jobs/sqlite/sqlite_connection.h"

namespace polyvox::sqlite {

Error sqlite_error(sqlite3* db, int code, std::string_view what) {
  std::string message = "sqlite: " + std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  switch (code & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
      return Error{ErrorKind::kUnavailable, std::move(message), ""};
    default:
      return Error{ErrorKind::kInternal, std::move(message), ""};
  }
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, sqlite3_sql(stmt_.get()));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.take_error();
    if (!*row) return Status::success();
  }
}

std::string Statement::text(int col) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col)));
}

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path,
                                                     const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is confined to one thread at a time, SQLite's own locking is waste.
  const int flags =
      SQLITE_OPEN_READWRITE | (options.reader ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<Connection> conn(new Connection(db));  // closes db even when open failed
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "open " + path.string());
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // journal_mode=WAL is persistent in the file: the writer, which opens first, sets it.
  // Readers are one per thread: a small page cache each keeps the process's memory bounded
  // (the OS page cache holds the file anyway); the writer keeps SQLite's default 2 MiB.
  const char* role_pragmas =
      options.reader ? "PRAGMA query_only=1; PRAGMA cache_size=-1024" : "PRAGMA journal_mode=WAL";
  if (auto s = conn->exec(role_pragmas); !s) return s.error();
  if (auto s = conn->exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                   : "PRAGMA synchronous=NORMAL");
      !s) {
    return s.error();
  }
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(db_);
}

void Connection::release_memory() { sqlite3_db_release_memory(db_); }

int64_t Connection::cache_bytes() {
  int current = 0, highest = 0;
  sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0);
  return current;
}

Result<Statement*> Connection::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second.get();
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return sqlite_error(db_, rc, "prepare " + std::string(sql));
  }
  auto stmt = std::make_unique<Statement>(db_, raw);
  Statement* out = stmt.get();
  cache_.emplace(std::string(sql), std::move(stmt));
  return out;
}

Status Connection::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::success();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  Error error = sqlite_error(nullptr, rc, sql);
  error.message = "sqlite: " + std::string(sql) + ": " + text;
  return error;
}

}  // namespace polyvox::sqlite
