// A store call made under a NoWaitScope (core/waiting.h), as an HTTP I/O thread makes it, refuses
// at once instead of waiting: a Redis command even when Redis hangs, a SQLite read or write
// before it takes a connection or the writer. The refusal is kUnavailable, the scope learns of it
// and the same call succeeds outside the scope.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "core/waiting.h"
#include "jobs/sqlite/sqlite_database.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using Steady = std::chrono::steady_clock;
using test_support::make_job;
using test_support::RedisServer;

constexpr int kCommandTimeoutMs = 3000;
// Far below the command timeout: a call that waited for the paused server took at least that.
constexpr auto kPromptly = std::chrono::milliseconds(500);

TEST(NoWaitScopeTest, RedisStoreRefusesInsteadOfWaitingForAHangingServer) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  redis::Endpoint endpoint;
  endpoint.port = server.port();
  redis::PoolOptions options;
  options.connection.connect_timeout_ms = 500;
  options.connection.command_timeout_ms = kCommandTimeoutMs;
  redis::RedisJobStore store(std::make_shared<redis::Pool>(endpoint, options), {});
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store.create_job(job).ok());
  ASSERT_TRUE(store.get_job(job.id, false).ok());  // a pooled connection, idle

  server.pause();  // SIGSTOP: connections stay open, nothing answers
  {
    NoWaitScope scope;
    const auto start = Steady::now();
    auto read = store.get_job(job.id, false);
    const auto took = Steady::now() - start;
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().kind, ErrorKind::kUnavailable);
    EXPECT_EQ(read.error().message, "would wait for Redis");
    EXPECT_TRUE(scope.refused());
    EXPECT_LT(took, kPromptly)
        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  }
  server.resume();
  auto read = store.get_job(job.id, false);  // where it may wait, the same call works
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->id, job.id);
}

TEST(NoWaitScopeTest, SqliteReadsAndWritesRefuseBeforeTouchingTheDatabase) {
  test_support::TempDir dir;
  auto db = sqlite::Database::open({.path = dir / "no_wait.db", .synchronous_full = false});
  ASSERT_TRUE(db.ok()) << db.error().message;
  std::atomic<int> ran{0};
  auto op = [&ran](sqlite::Connection&) {
    ++ran;
    return Status::success();
  };
  // `call` made under a scope refuses, naming `what`, and the scope learns of it.
  auto expect_refused = [](const std::function<Status()>& call, const std::string& what) {
    NoWaitScope scope;
    Status refused = call();
    ASSERT_FALSE(refused.ok()) << what;
    EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
    EXPECT_EQ(refused.error().message, "would wait for " + what);
    EXPECT_TRUE(scope.refused());
  };
  expect_refused([&] { return (*db)->read(op); }, "a SQLite read");
  expect_refused([&] { return (*db)->write(op); }, "a SQLite write");
  EXPECT_EQ(ran.load(), 0);  // neither reached a connection
  EXPECT_TRUE((*db)->read(op).ok());
  EXPECT_TRUE((*db)->write(op).ok());
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace polyvox
