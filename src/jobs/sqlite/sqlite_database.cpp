#include "jobs/sqlite/sqlite_database.h"

#include "jobs/sqlite/sqlite_schema.h"

namespace polyvox::sqlite {
namespace {

ConnectionOptions connection_options(const DatabaseOptions& options, bool reader) {
  ConnectionOptions out;
  out.reader = reader;
  out.synchronous_full = options.synchronous_full;
  out.busy_timeout_ms = options.busy_timeout_ms;
  return out;
}

}  // namespace

Result<std::shared_ptr<Database>> Database::open(const DatabaseOptions& options) {
  auto writer = Connection::open(options.path, connection_options(options, false));
  if (!writer) return writer.take_error();
  if (auto s = migrate(**writer); !s) return s.error();
  auto checkpointer =
      WalCheckpointer::start(options.path, connection_options(options, false), (*writer)->handle());
  if (!checkpointer) return checkpointer.take_error();
  return std::shared_ptr<Database>(
      new Database(std::move(*writer), std::move(*checkpointer), options));
}

Database::Database(std::unique_ptr<Connection> writer,
                   std::unique_ptr<WalCheckpointer> checkpointer, const DatabaseOptions& options)
    : readers_(options.path, connection_options(options, true), options.max_readers),
      checkpointer_(std::move(checkpointer)),
      writer_(std::make_unique<GroupCommitWriter>(std::move(writer), options.max_batch)) {}

bool Database::writable() {
  if (!writer_->last_commit_failed()) return true;
  return write([](Connection& db) {
           return db.run("INSERT OR REPLACE INTO counters VALUES ('ready_probe', 0)");
         })
      .ok();
}

}  // namespace polyvox::sqlite
