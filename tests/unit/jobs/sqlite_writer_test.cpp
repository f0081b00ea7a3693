// The SQLite writer thread: an exception (of any type) thrown by a write operation fails that
// operation alone (its writes rolled back) and the writer goes on with the next, so the process
// carries on; asked to release memory, it empties its page cache between two batches.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "jobs/sqlite/sqlite_connection.h"
#include "jobs/sqlite/sqlite_database.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox {
namespace {

class SqliteWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::Database::open({.path = dir_ / "writer.db", .synchronous_full = false});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->write([](sqlite::Connection& c) {
                     return c.run("CREATE TABLE written (value INTEGER NOT NULL)");
                   })
                    .ok());
  }

  // After a failed operation that inserted 1: the writer takes the next one (it inserts 2), and
  // only that one's row is stored.
  void expect_the_writer_goes_on() {
    Status next =
        db_->write([](sqlite::Connection& c) { return c.run("INSERT INTO written VALUES (2)"); });
    ASSERT_TRUE(next.ok()) << next.error().message;
    auto rows = db_->read([](sqlite::Connection& c) {
      return c.query_int("SELECT count(*) * 100 + sum(value) FROM written");
    });
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(rows->value_or(-1), 102);  // one row, the second operation's: the first rolled back
  }

  test_support::TempDir dir_;
  std::shared_ptr<sqlite::Database> db_;
};

TEST_F(SqliteWriterTest, AThrowingOperationFailsAloneAndTheWriterGoesOn) {
  Status thrown = db_->write([](sqlite::Connection& c) -> Status {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s;
    throw std::runtime_error("a bug in the middle of an operation");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: a bug in the middle of an operation");
  expect_the_writer_goes_on();
}

TEST_F(SqliteWriterTest, AnExceptionThatIsNotAStdExceptionFailsAloneToo) {
  Result<int> thrown = db_->write([](sqlite::Connection& c) -> Result<int> {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s.error();
    throw 42;  // what a library may throw: not derived from std::exception
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: unknown exception");
  expect_the_writer_goes_on();
}

// A read whose operation throws (a stored value of an unexpected type) fails alone; its
// connection goes back to the pool without its transaction, so the reads after it begin their
// own and see what was written since (the connection used to keep its snapshot open: every
// later read on it failed with "cannot start a transaction within a transaction").
TEST_F(SqliteWriterTest, AThrowingReadFailsAloneAndLaterReadsSeeNewWrites) {
  for (int round = 0; round < 3; ++round) {
    Result<int64_t> thrown = db_->read([](sqlite::Connection& c) -> Result<int64_t> {
      (void)c.query_int("SELECT count(*) FROM written");
      throw std::runtime_error("a damaged row");
    });
    ASSERT_FALSE(thrown.ok());
    EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
    EXPECT_EQ(thrown.error().message, "store read failed: a damaged row");
    Status written =
        db_->write([](sqlite::Connection& c) { return c.run("INSERT INTO written VALUES (7)"); });
    ASSERT_TRUE(written.ok()) << written.error().message;
    for (int read = 0; read < 4; ++read) {
      auto rows = db_->read(
          [](sqlite::Connection& c) { return c.query_int("SELECT count(*) FROM written"); });
      ASSERT_TRUE(rows.ok()) << rows.error().message;
      EXPECT_EQ(rows->value_or(-1), round + 1);
    }
  }
}

// Writes that cannot commit while reads still work (here another connection holds the write lock
// past the busy timeout; in life a full disk) make the database not writable, which /ready
// reports; once a write can commit again, it is.
TEST(SqliteWritableTest, AFailedCommitMakesItUnwritableUntilAWriteCommits) {
  test_support::TempDir dir;
  auto opened = sqlite::Database::open(
      {.path = dir / "writable.db", .synchronous_full = false, .busy_timeout_ms = 50});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  std::shared_ptr<sqlite::Database> db = *opened;
  EXPECT_TRUE(db->writable());
  auto other = sqlite::Connection::open(dir / "writable.db", {.busy_timeout_ms = 50});
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE((*other)->exec("BEGIN IMMEDIATE").ok());
  Status refused = db->write(
      [](sqlite::Connection& c) { return c.run("INSERT INTO counters VALUES ('test', 1)"); });
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(db->writable());
  auto read = db->read([](sqlite::Connection& c) { return c.query_int("SELECT 1"); });
  EXPECT_TRUE(read.ok());  // reads still work: that is why /ready must ask for a write
  ASSERT_TRUE((*other)->exec("COMMIT").ok());
  EXPECT_TRUE(db->writable());
  EXPECT_TRUE(db->writable());
}

TEST_F(SqliteWriterTest, ReleasingMemoryEmptiesTheWritersPageCacheAndWritesGoOn) {
  auto cache_bytes = [this] {
    auto bytes = db_->write([](sqlite::Connection& c) { return Result<int64_t>(c.cache_bytes()); });
    return bytes.ok() ? *bytes : -1;
  };
  ASSERT_TRUE(db_->write([](sqlite::Connection& c) {
                   return c.exec(
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                       "20000) INSERT INTO written SELECT i * 1000000000 FROM n");
                 })
                  .ok());
  const int64_t full = cache_bytes();
  EXPECT_GT(full, 100'000);  // the table's pages, kept after the commit
  const uint64_t transactions = db_->write_stats().transactions;
  db_->release_memory();
  EXPECT_EQ(db_->write_stats().transactions, transactions);  // no transaction of its own
  EXPECT_LT(cache_bytes(), full / 4);
  // The writer goes on, and what it wrote before is all there.
  ASSERT_TRUE(
      db_->write([](sqlite::Connection& c) { return c.run("DELETE FROM written WHERE value > 1"); })
          .ok());
  expect_the_writer_goes_on();
}

}  // namespace
}  // namespace polyvox
