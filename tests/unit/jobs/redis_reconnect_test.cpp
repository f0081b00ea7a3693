// The Redis backend when Redis comes back: after a restart no call fails, whichever pooled
// connection it takes; a read whose answer was lost is sent again, a write is not, except job
// submission, which is idempotent by job id; idle connections are checked before use.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/answer_losing_proxy.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using Steady = std::chrono::steady_clock;
using test_support::AnswerLosingProxy;
using test_support::make_job;
using test_support::RedisServer;

constexpr int64_t kNeverIdleCheck = int64_t{3600} * 1000;

// A pool on `port` whose idle connections are PINGed after `idle_check_ms`.
std::shared_ptr<redis::Pool> pool_on(int port, int64_t idle_check_ms = kNeverIdleCheck) {
  redis::Endpoint endpoint;
  endpoint.port = port;
  redis::PoolOptions options;
  options.connection.connect_timeout_ms = 500;
  options.connection.command_timeout_ms = 1000;
  options.idle_check_ms = idle_check_ms;
  return std::make_shared<redis::Pool>(endpoint, options);
}

// How many times Redis ran `command` (lower case) since its statistics were last reset.
int64_t calls_of(const RedisServer& server, const std::string& command) {
  const std::string stats = server.command({"INFO", "commandstats"});
  const std::string needle = "cmdstat_" + command + ":calls=";
  const auto at = stats.find(needle);
  return at == std::string::npos ? 0 : std::stoll(stats.substr(at + needle.size()));
}

TEST(RedisReconnectTest, EveryPooledConnectionWorksAtOnceAfterARestart) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  auto pool = pool_on(server.port());
  constexpr int kConnections = 4;
  {
    std::vector<redis::Pool::Handle> handles;
    for (int i = 0; i < kConnections; ++i) {
      auto handle = pool->acquire();
      ASSERT_TRUE(handle.ok()) << handle.error().message;
      ASSERT_TRUE((*handle)->run({"PING"}).ok());
      handles.push_back(std::move(handle.value()));
    }
  }  // four connections idle in the pool

  ASSERT_TRUE(server.restart());  // SIGTERM, then started again on the same port

  // Four calls at once, as four requests would take them: each on a working connection.
  std::vector<redis::Pool::Handle> handles;
  for (int i = 0; i < kConnections; ++i) {
    auto handle = pool->acquire();
    ASSERT_TRUE(handle.ok()) << handle.error().message;
    auto reply = (*handle)->run({"SET", "key" + std::to_string(i), "value"});
    ASSERT_TRUE(reply.ok()) << "connection " << i << ": " << reply.error().message;
    EXPECT_EQ(reply->str, "OK");
    handles.push_back(std::move(handle.value()));
  }
}

TEST(RedisReconnectTest, FirstReadAndFirstSubmissionAfterARestartSucceed) {
  RedisServer server({.appendonly = true});
  ASSERT_TRUE(server.ready());
  redis::RedisJobStore store(pool_on(server.port()), {});
  const NewJob job = make_job("alice", 2);
  ASSERT_TRUE(store.create_job(job).ok());
  ASSERT_TRUE(store.get_job(job.id, false).ok());

  ASSERT_TRUE(server.restart());
  auto read = store.get_job(job.id, true);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->blocks.size(), 2u);

  ASSERT_TRUE(server.restart());
  const NewJob second = make_job("alice", 1);
  auto created = store.create_job(second);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(store.get_job(second.id, false)->id, second.id);

  ASSERT_TRUE(server.restart());
  auto claimed = store.claim("worker", 30'000, 0);  // a write: on a connection known to work
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_TRUE(claimed->has_value());
}

TEST(RedisReconnectTest, FirstCallAfterAnOutageSucceeds) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  redis::RedisJobStore store(pool_on(server.port()), {});
  const std::string id = new_uuid4();
  ASSERT_EQ(store.get_job(id, false).error().kind, ErrorKind::kNotFound);

  server.stop();
  // Calls keep coming while Redis is down (1 s of them): each fails, none waits long.
  const auto outage_end = Steady::now() + std::chrono::milliseconds(1000);
  int failed = 0;
  while (Steady::now() < outage_end) {
    const auto start = Steady::now();
    auto down = store.get_job(id, false);
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
    EXPECT_GE(down.error().retry_after_s, 1);
    EXPECT_LT(Steady::now() - start, std::chrono::milliseconds(600));  // connect timeout 500
    ++failed;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a client's pace
  }
  EXPECT_GT(failed, 1);

  ASSERT_TRUE(server.restart());
  auto back = store.get_job(id, false);  // the first call once Redis answers
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().kind, ErrorKind::kNotFound) << back.error().message;
}

TEST(RedisReconnectTest, ReadWhoseAnswerIsLostIsSentAgainOnANewConnection) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  AnswerLosingProxy proxy(server.port());
  ASSERT_TRUE(proxy.ready());
  redis::RedisJobStore store(pool_on(proxy.port()), {});
  const NewJob job = make_job("alice", 2);
  ASSERT_TRUE(store.create_job(job).ok());
  ASSERT_TRUE(store.get_job(job.id, false).ok());  // read_job loaded, a connection pooled
  const int connections = proxy.connections();

  proxy.lose_next_answer();
  auto read = store.get_job(job.id, true);
  EXPECT_FALSE(proxy.armed());  // an answer was lost
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->blocks.size(), 2u);
  EXPECT_EQ(proxy.connections(), connections + 1);

  // The same for plain read commands (a user lookup is one) and read pipelines.
  auto pool = pool_on(proxy.port());
  ASSERT_TRUE(pool->run({"SET", "name", "value"}).ok());
  proxy.lose_next_answer();
  auto value = pool->run({"GET", "name"});
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ(value->str, "value");
  proxy.lose_next_answer();
  auto counts = store.counts();
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->queue_depth, 2u);
  EXPECT_FALSE(proxy.armed());
}

TEST(RedisReconnectTest, WriteWhoseAnswerIsLostIsNotSentAgain) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  AnswerLosingProxy proxy(server.port());
  ASSERT_TRUE(proxy.ready());
  auto pool = pool_on(proxy.port());
  ASSERT_TRUE(pool->run({"PING"}).ok());

  proxy.lose_next_answer();
  auto incremented = pool->run({"INCR", "counter"});
  ASSERT_FALSE(incremented.ok());
  EXPECT_EQ(incremented.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(server.command({"GET", "counter"}), "1");  // it ran, once

  // A script write the same way: cancel_job ran once, and said nothing.
  redis::RedisJobStore store(pool, {});
  const NewJob job = make_job("alice", 1);
  ASSERT_TRUE(store.create_job(job).ok());
  ASSERT_TRUE(store.cancel_job(new_uuid4()).error().kind == ErrorKind::kNotFound);  // loaded
  server.command({"CONFIG", "RESETSTAT"});
  proxy.lose_next_answer();
  auto cancelled = store.cancel_job(job.id);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(calls_of(server, "evalsha"), 1);
  EXPECT_EQ(store.get_job(job.id, false)->status, JobStatus::kCancelled);
}

TEST(RedisReconnectTest, SubmissionWhoseAnswerIsLostIsStoredOnceAndSucceeds) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  AnswerLosingProxy proxy(server.port());
  ASSERT_TRUE(proxy.ready());
  ManualClock clock;
  redis::RedisJobStore store(pool_on(proxy.port()), {.clock = &clock});
  ASSERT_TRUE(store.create_job(make_job("alice", 1)).ok());  // create_job loaded

  const NewJob job = make_job("alice", 3);
  proxy.lose_next_answer();
  auto created = store.create_job(job);
  EXPECT_FALSE(proxy.armed());  // the first answer was lost
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, job.id);
  EXPECT_EQ(created->status, JobStatus::kQueued);
  EXPECT_EQ(created->blocks_total, 3u);
  EXPECT_EQ(created->created_at_ms, clock.now_ms());
  EXPECT_TRUE(created->blocks.empty());

  // One job, its three tasks enqueued once: two jobs and four tasks in all.
  EXPECT_EQ(server.command({"GET", "polyvox:seq"}), "2");
  EXPECT_EQ(server.command({"ZCARD", "polyvox:jobs"}), "2");
  auto counts = store.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->jobs.at(JobStatus::kQueued), 2u);
  EXPECT_EQ(counts->queue_depth, 4u);
}

TEST(RedisReconnectTest, IdleConnectionIsPingedOnlyPastTheIdleThreshold) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  auto checked_every_time = pool_on(server.port(), 0);
  auto never_checked = pool_on(server.port());
  ASSERT_TRUE(checked_every_time->run({"GET", "a"}).ok());
  ASSERT_TRUE(never_checked->run({"GET", "a"}).ok());
  server.command({"CONFIG", "RESETSTAT"});

  ASSERT_TRUE(never_checked->run({"GET", "a"}).ok());
  EXPECT_EQ(calls_of(server, "ping"), 0);
  ASSERT_TRUE(checked_every_time->run({"GET", "a"}).ok());
  EXPECT_EQ(calls_of(server, "ping"), 1);
}

TEST(RedisReconnectTest, IdleConnectionThatDoesNotAnswerItsPingIsReplacedBeforeTheCall) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  AnswerLosingProxy proxy(server.port());
  ASSERT_TRUE(proxy.ready());
  auto pool = pool_on(proxy.port(), 0);
  ASSERT_TRUE(pool->run({"PING"}).ok());

  proxy.lose_next_answer();                           // the PING's: the connection looks dead
  auto incremented = pool->run({"INCR", "counter"});  // a write: run once, on a new connection
  EXPECT_FALSE(proxy.armed());
  ASSERT_TRUE(incremented.ok()) << incremented.error().message;
  EXPECT_EQ(incremented->integer, 1);
  EXPECT_EQ(server.command({"GET", "counter"}), "1");
}

TEST(RedisReconnectTest, ReadOnlyScriptsRunAsEvalshaRo) {
  RedisServer server;
  ASSERT_TRUE(server.ready());
  auto pool = pool_on(server.port());
  const redis::Script writes{"writes", "return redis.call('SET', 'k', 'v')"};
  auto refused = pool->eval(writes, {}, redis::Access::kRead);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(server.command({"EXISTS", "k"}), "0");
  EXPECT_TRUE(pool->eval(writes, {}, redis::Access::kWrite).ok());
  EXPECT_EQ(server.command({"EXISTS", "k"}), "1");
}

TEST(RedisReconnectTest, ReadOnlyCommandsAreTheOnesSentAgain) {
  EXPECT_TRUE(redis::is_read_only({"HGETALL", "key"}));
  EXPECT_TRUE(redis::is_read_only({"PING"}));
  EXPECT_FALSE(redis::is_read_only({"INCR", "key"}));
  EXPECT_FALSE(redis::is_read_only({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}));
  EXPECT_FALSE(redis::is_read_only({}));
}

}  // namespace
}  // namespace polyvox
