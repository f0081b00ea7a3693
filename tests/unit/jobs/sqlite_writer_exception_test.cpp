// An exception (of any type) thrown by a write operation on the SQLite writer thread fails that
// operation alone (its writes rolled back) and the writer goes on with the next: the process
// carries on.
#include <gtest/gtest.h>

#include <stdexcept>

#include "jobs/sqlite/sqlite_database.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox {
namespace {

TEST(SqliteWriterExceptionTest, AThrowingOperationFailsAloneAndTheWriterGoesOn) {
  test_support::TempDir dir;
  auto db = sqlite::Database::open({.path = dir / "writer.db", .synchronous_full = false});
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)
                  ->write([](sqlite::Connection& c) {
                    return c.run("CREATE TABLE written (value INTEGER NOT NULL)");
                  })
                  .ok());

  Status thrown = (*db)->write([](sqlite::Connection& c) -> Status {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s;
    throw std::runtime_error("a bug in the middle of an operation");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: a bug in the middle of an operation");

  Status next =
      (*db)->write([](sqlite::Connection& c) { return c.run("INSERT INTO written VALUES (2)"); });
  ASSERT_TRUE(next.ok()) << next.error().message;
  auto rows = (*db)->read([](sqlite::Connection& c) {
    return c.query_int("SELECT count(*) * 100 + sum(value) FROM written");
  });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->value_or(-1), 102);  // one row, the second operation's: the first rolled back
}

TEST(SqliteWriterExceptionTest, AnExceptionThatIsNotAStdExceptionFailsAloneToo) {
  test_support::TempDir dir;
  auto db = sqlite::Database::open({.path = dir / "writer.db", .synchronous_full = false});
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)
                  ->write([](sqlite::Connection& c) {
                    return c.run("CREATE TABLE written (value INTEGER NOT NULL)");
                  })
                  .ok());

  Result<int> thrown = (*db)->write([](sqlite::Connection& c) -> Result<int> {
    if (Status s = c.run("INSERT INTO written VALUES (1)"); !s) return s.error();
    throw 42;  // what a library may throw: not derived from std::exception
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "store operation failed: unknown exception");

  Status next =
      (*db)->write([](sqlite::Connection& c) { return c.run("INSERT INTO written VALUES (2)"); });
  ASSERT_TRUE(next.ok()) << next.error().message;
  auto rows = (*db)->read([](sqlite::Connection& c) {
    return c.query_int("SELECT count(*) * 100 + sum(value) FROM written");
  });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->value_or(-1), 102);
}

}  // namespace
}  // namespace polyvox
