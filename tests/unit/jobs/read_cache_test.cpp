// The SQLite stores' read cache: served again only while nothing was committed since the read,
// for at most its max age, within its cost bound; errors never kept.
#include "jobs/sqlite/read_cache.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using sqlite::Connection;
using sqlite::Database;
using sqlite::ReadCache;

class ReadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open({.path = dir_ / "polyvox.db"});
    ASSERT_TRUE(opened.ok());
    db_ = *opened;
    ASSERT_TRUE(write("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)").ok());
    ASSERT_TRUE(write("INSERT INTO kv VALUES ('a', 1), ('b', 2)").ok());
  }

  Status write(const std::string& sql) {
    return db_->write([&](Connection& c) { return c.run(sql); });
  }

  // The value of `key` through `cache`, counting the reads that reached the database.
  Result<std::optional<int64_t>> get(ReadCache<std::optional<int64_t>>& cache,
                                     const std::string& key, std::size_t cost = 1) {
    return cache.get(
        *db_, key,
        [&](Connection& c) {
          ++loads_;
          return c.query_int("SELECT v FROM kv WHERE k = ?", key);
        },
        [cost](const std::optional<int64_t>&) { return cost; });
  }

  test_support::TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<Database> db_;
  int loads_ = 0;
};

TEST_F(ReadCacheTest, DroppingExpiredEntriesKeepsOnlyThoseStillServed) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  clock_.advance_ms(600);
  EXPECT_EQ(get(cache, "b")->value(), 2);
  cache.drop_expired();
  EXPECT_EQ(cache.size(), 2u);  // both still young enough to be served
  clock_.advance_ms(400);       // "a" is 1000 ms old: it would be read again
  cache.drop_expired();
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(get(cache, "b")->value(), 2);  // "b" is still served from the cache
  EXPECT_EQ(loads_, 2);
  clock_.advance_ms(600);
  cache.drop_expired();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  EXPECT_EQ(loads_, 3);
}

TEST_F(ReadCacheTest, ServesARepeatedReadWithoutTheDatabase) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  EXPECT_EQ(get(cache, "b")->value(), 2);
  EXPECT_FALSE(get(cache, "missing")->has_value());
  EXPECT_FALSE(get(cache, "missing")->has_value());
  EXPECT_EQ(loads_, 3);
}

TEST_F(ReadCacheTest, ACommitOfThisProcessIsSeenByTheNextRead) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  ASSERT_TRUE(write("UPDATE kv SET v = 10 WHERE k = 'a'").ok());
  EXPECT_EQ(get(cache, "a")->value(), 10);
  // Any commit counts, even of other rows: the cache does not know what a write touches.
  ASSERT_TRUE(write("INSERT INTO kv VALUES ('c', 3)").ok());
  EXPECT_EQ(get(cache, "a")->value(), 10);
  EXPECT_EQ(loads_, 3);
}

TEST_F(ReadCacheTest, AValueReadWhileACommitHappenedIsNotKept) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  auto racing = cache.get(
      *db_, "a",
      [&](Connection& c) {
        auto old = c.query_int("SELECT v FROM kv WHERE k = ?", std::string("a"));
        // Committed by the writer while this read transaction holds its older snapshot.
        EXPECT_TRUE(write("UPDATE kv SET v = 20 WHERE k = 'a'").ok());
        return old;
      },
      [](const std::optional<int64_t>&) { return std::size_t{1}; });
  EXPECT_EQ(racing->value(), 1);  // the snapshot's value, returned but not kept
  EXPECT_EQ(get(cache, "a")->value(), 20);
  EXPECT_EQ(loads_, 1);
}

TEST_F(ReadCacheTest, ACommitOfAnotherProcessIsSeenAfterTheMaxAge) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  EXPECT_EQ(get(cache, "a")->value(), 1);
  // Another Database on the same file stands for another process: its writer is not ours.
  auto other = Database::open({.path = dir_ / "polyvox.db"});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)
                  ->write([](Connection& c) { return c.run("UPDATE kv SET v = 30 WHERE k = 'a'"); })
                  .ok());
  clock_.advance_ms(999);
  EXPECT_EQ(get(cache, "a")->value(), 1);  // not seen yet: within the max age
  clock_.advance_ms(1);
  EXPECT_EQ(get(cache, "a")->value(), 30);
  EXPECT_EQ(loads_, 2);
}

TEST_F(ReadCacheTest, KeepsAtMostItsCost) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 10);
  EXPECT_EQ(get(cache, "a", 6)->value(), 1);
  EXPECT_EQ(get(cache, "b", 6)->value(), 2);  // 12 > 10: "a" is dropped to make room
  EXPECT_EQ(get(cache, "b", 6)->value(), 2);
  EXPECT_EQ(loads_, 2);
  EXPECT_EQ(get(cache, "a", 6)->value(), 1);
  EXPECT_EQ(loads_, 3);
  EXPECT_EQ(get(cache, "b", 11)->value(), 2);  // larger than the whole cache: never kept
  EXPECT_EQ(get(cache, "b", 11)->value(), 2);
  EXPECT_EQ(loads_, 5);
}

TEST_F(ReadCacheTest, ErrorsAreNotKept) {
  ReadCache<std::optional<int64_t>> cache(clock_, 1000, 100);
  auto failing = [&](Connection& c) {
    ++loads_;
    return c.query_int("SELECT v FROM no_such_table WHERE k = ?", std::string("a"));
  };
  auto one = [](const std::optional<int64_t>&) { return std::size_t{1}; };
  EXPECT_FALSE(cache.get(*db_, "a", failing, one).ok());
  EXPECT_FALSE(cache.get(*db_, "a", failing, one).ok());
  EXPECT_EQ(loads_, 2);
}

}  // namespace
}  // namespace polyvox
