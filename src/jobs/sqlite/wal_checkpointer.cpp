#include "jobs/sqlite/wal_checkpointer.h"

#include <utility>

namespace polyvox::sqlite {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::filesystem::path& path,
                                                                const ConnectionOptions& options,
                                                                sqlite3* writer) {
  auto db = Connection::open(path, options);
  if (!db) return db.take_error();
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(std::move(*db)));
  sqlite3_wal_hook(writer, &WalCheckpointer::on_commit, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> connection)
    : db_(std::move(connection)), thread_([this] { loop(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

int WalCheckpointer::on_commit(void* self, sqlite3* writer, const char* schema, int wal_pages) {
  if (wal_pages >= kInlinePages) {
    // The checkpointer cannot keep up (or a reader pins the log): bound the log's growth here.
    sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= kWakePages) {
    auto* checkpointer = static_cast<WalCheckpointer*>(self);
    {
      std::lock_guard lock(checkpointer->mu_);
      checkpointer->requested_ = true;
    }
    checkpointer->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    // PASSIVE: copies what is committed without taking the write lock, so the writer goes on
    // appending meanwhile; once the log is fully copied the writer restarts it from its start.
    // Failures (SQLITE_BUSY: another checkpoint runs) are retried at the next wake-up.
    sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace polyvox::sqlite
