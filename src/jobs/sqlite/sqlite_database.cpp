#include "jobs/sqlite/sqlite_database.h"

#include "jobs/sqlite/sqlite_schema.h"

namespace polyvox::sqlite {
namespace {

ConnectionOptions connection_options(const DatabaseOptions& options, bool reader) {
  ConnectionOptions out;
  out.reader = reader;
  out.synchronous_full = options.synchronous_full;
  return out;
}

}  // namespace

Result<std::shared_ptr<Database>> Database::open(const DatabaseOptions& options) {
  auto writer = Connection::open(options.path, connection_options(options, false));
  if (!writer) return writer.take_error();
  if (auto s = migrate(**writer); !s) return s.error();
  return std::shared_ptr<Database>(new Database(std::move(*writer), options));
}

Database::Database(std::unique_ptr<Connection> writer, const DatabaseOptions& options)
    : readers_(options.path, connection_options(options, true)),
      writer_(std::make_unique<GroupCommitWriter>(std::move(writer), options.max_batch)) {}

}  // namespace polyvox::sqlite
