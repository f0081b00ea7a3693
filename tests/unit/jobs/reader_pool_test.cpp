// ReaderPool: at most max_connections read connections however many threads read; the warmest
// idle one is reused; a reader beyond the bound waits for one to be handed back.
#include "jobs/sqlite/reader_pool.h"

#include <atomic>
#include <thread>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

sqlite::ConnectionOptions reader_options() {
  sqlite::ConnectionOptions options;
  options.reader = true;
  return options;
}

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A database file to read: migrated by a write-capable open first.
    auto db = sqlite::Database::open({.path = dir_ / "pool.db", .synchronous_full = false});
    ASSERT_TRUE(db.ok()) << db.error().message;
  }
  test_support::TempDir dir_;
};

TEST_F(ReaderPoolTest, ReusesTheConnectionHandedBackLast) {
  sqlite::ReaderPool pool(dir_ / "pool.db", reader_options(), 4);
  sqlite::Connection* first = nullptr;
  sqlite::Connection* second = nullptr;
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    ASSERT_TRUE(a.ok() && b.ok());
    first = &**a;
    second = &**b;
    EXPECT_NE(first, second);
    EXPECT_EQ((*a)->query_int("SELECT 1").value().value_or(0), 1);
  }  // b handed back, then a (destroyed in reverse order)
  EXPECT_EQ(pool.open_connections(), 2u);
  auto again = pool.acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&**again, first);
  EXPECT_EQ(pool.open_connections(), 2u);
}

TEST_F(ReaderPoolTest, AReaderBeyondTheBoundWaitsForOneHandedBack) {
  sqlite::ReaderPool pool(dir_ / "pool.db", reader_options(), 2);
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  sqlite::Connection* handed_back = &**b;
  std::atomic<sqlite::Connection*> got{nullptr};
  std::thread third([&] {
    auto c = pool.acquire();
    if (c.ok()) got = &**c;
  });
  while (pool.waiting() == 0) std::this_thread::yield();  // it is blocked in acquire()
  EXPECT_EQ(got.load(), nullptr);
  EXPECT_EQ(pool.open_connections(), 2u);
  { auto done = std::move(b.value()); }  // handed back: the waiter takes it
  third.join();
  EXPECT_EQ(got.load(), handed_back);
  EXPECT_EQ(pool.open_connections(), 2u);
}

TEST_F(ReaderPoolTest, ManyThreadsReadingOpenNoMoreThanTheBound) {
  sqlite::ReaderPool pool(dir_ / "pool.db", reader_options(), 3);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lease = pool.acquire();
        if (!lease.ok() ||
            (*lease)->query_int("SELECT count(*) FROM jobs").value().value_or(-1) != 0) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(pool.open_connections(), 3u);
  EXPECT_GE(pool.open_connections(), 1u);
}

TEST_F(ReaderPoolTest, AFileThatCannotBeOpenedIsAnErrorAndFreesItsPlace) {
  sqlite::ReaderPool pool(dir_ / "missing-dir" / "none.db", reader_options(), 1);
  auto lease = pool.acquire();
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(pool.open_connections(), 0u);
  EXPECT_FALSE(pool.acquire().ok());  // tried again, not blocked by the failed one
}

}  // namespace
}  // namespace polyvox
