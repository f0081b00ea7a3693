// WalCheckpointer: the write-ahead log is copied into the database by the checkpointer's thread
// once it passes its threshold, without the writer doing it.
#include <chrono>
#include <filesystem>
#include <thread>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

TEST(WalCheckpointerTest, CopiesTheLogIntoTheDatabaseInTheBackground) {
  test_support::TempDir dir;
  const auto path = dir / "wal.db";
  // NORMAL: no fsync per commit, this test is about the checkpoint only.
  auto db = sqlite::Database::open({.path = path, .synchronous_full = false});
  ASSERT_TRUE(db.ok());
  auto store = sqlite::SqliteJobStore::open(*db, {});
  ASSERT_TRUE(store.ok());
  const auto initial_size = std::filesystem::file_size(path);

  // About 1,500 pages of log: past the checkpointer's threshold, short of the writer's own.
  constexpr int kPagesWanted = sqlite::WalCheckpointer::kWakePages * 3 / 2;
  static_assert(kPagesWanted < sqlite::WalCheckpointer::kInlinePages);
  // Four 4 KiB pages of text per job: the pages every commit also writes (job, task, indexes,
  // counters, the owner's turn) stay a minor part of the log.
  NewJob job = test_support::make_job("alice", 1);
  job.spec.blocks[0].text.assign(16 * 1024, 'a');
  for (int i = 0; i < kPagesWanted / 4; ++i) {
    job.id = new_uuid4();
    ASSERT_TRUE((*store)->create_job(job).ok());
  }

  // In WAL mode the database file only grows when a checkpoint copies pages into it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::file_size(path) < initial_size + 4 * 1024 * 1024 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(std::filesystem::file_size(path), initial_size + 4 * 1024 * 1024);
  EXPECT_LT(std::filesystem::file_size(dir / "wal.db-wal"),
            uintmax_t{sqlite::WalCheckpointer::kInlinePages} * 4096);
}

}  // namespace
}  // namespace polyvox
