// What only the SQLite backend does: schema versions, file errors, and taking a dead process's
// leases back at once in embedded mode.
#include <sqlite3.h>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::make_job;
using test_support::result_for;

TEST(SqliteJobStoreTest, ReopenInEmbeddedModeExpiresTheDeadProcessesLeasesAtOnce) {
  test_support::TempDir dir;
  ManualClock clock;
  auto open = [&](bool expire_leases_at_open) {
    auto db = sqlite::Database::open({.path = dir / "polyvox.db"});
    EXPECT_TRUE(db.ok());
    auto store = sqlite::SqliteJobStore::open(
        *db, {.clock = &clock, .expire_leases_at_open = expire_leases_at_open});
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  };
  auto store = open(false);
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store->create_job(job).ok());
  auto orphaned = store->claim("worker-1", 60'000, 0);
  ASSERT_TRUE(orphaned.ok() && orphaned->has_value());
  store.reset();

  store = open(/*expire_leases_at_open=*/true);

  auto reclaimed = store->claim("worker-2", 60'000, 0);  // no waiting for the lease
  ASSERT_TRUE(reclaimed.ok() && reclaimed->has_value());
  EXPECT_EQ((*reclaimed)->block_index, (*orphaned)->block_index);
  EXPECT_EQ((*reclaimed)->attempt, (*orphaned)->attempt + 1);
  EXPECT_EQ(store->complete_block(**orphaned, result_for(**orphaned))->outcome,
            ReportOutcome::kRefused);
  EXPECT_EQ(store->complete_block(**reclaimed, result_for(**reclaimed))->outcome,
            ReportOutcome::kAccepted);
}

TEST(SqliteJobStoreTest, DatabaseOfANewerSchemaIsRefused) {
  test_support::TempDir dir;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "polyvox.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);

  auto db = sqlite::Database::open({.path = dir / "polyvox.db"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kInternal);
  EXPECT_NE(db.error().message.find("newer"), std::string::npos);
}

TEST(SqliteJobStoreTest, UnopenableFileIsUnavailable) {
  test_support::TempDir dir;
  auto db = sqlite::Database::open({.path = dir / "missing-dir" / "polyvox.db"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kUnavailable);
}

}  // namespace
}  // namespace polyvox
