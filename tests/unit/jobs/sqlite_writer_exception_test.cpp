// An exception (of any type) thrown by a write operation on the SQLite writer thread fails that
// operation alone (its writes rolled back) and the writer goes on with the next: the process
// carries on.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "jobs/sqlite/sqlite_database.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox {
namespace {

class SqliteWriterExceptionTest : public ::testing::Test {
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

TEST_F(SqliteWriterExceptionTest, AThrowingOperationFailsAloneAndTheWriterGoesOn) {
  Status thrown = db_->write([](sqlite::Connection& c) -> Status {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s;
    throw std::runtime_error("a bug in the middle of an operation");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: a bug in the middle of an operation");
  expect_the_writer_goes_on();
}

TEST_F(SqliteWriterExceptionTest, AnExceptionThatIsNotAStdExceptionFailsAloneToo) {
  Result<int> thrown = db_->write([](sqlite::Connection& c) -> Result<int> {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s.error();
    throw 42;  // what a library may throw: not derived from std::exception
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: unknown exception");
  expect_the_writer_goes_on();
}

}  // namespace
}  // namespace polyvox
