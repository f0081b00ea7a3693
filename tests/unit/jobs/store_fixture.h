// The backend conformance fixture: every JobStore/TaskQueue/UserStore/ApiKeyStore/SessionStore
// test runs on each backend
// (SQLite in a temporary directory; Redis on a real redis-server started for the test process,
// each test under its own key prefix), on a ManualClock. Plus the jobs and results the tests use.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "jobs/redis/redis_api_key_store.h"
#include "jobs/redis/redis_job_store.h"
#include "jobs/redis/redis_session_store.h"
#include "jobs/redis/redis_user_store.h"
#include "jobs/redis/redis_webhook_outbox.h"
#include "jobs/sqlite/sqlite_backend.h"
#include "support/audio_fixtures.h"  // TempDir
#include "support/redis_server.h"

namespace polyvox::test_support {

// A job of `blocks` blocks ("block 0", "block 1", ...) for the user whose id is `owner`,
// submitted under the name "<owner>-name".
inline NewJob make_job(const std::string& owner, std::size_t blocks) {
  NewJob job;
  job.id = new_uuid4();
  job.owner = owner;
  job.owner_name = owner + "-name";
  job.spec.project_id = "project-" + job.id.substr(0, 8);
  for (std::size_t i = 0; i < blocks; ++i) {
    BlockSpec block;
    block.text = "block " + std::to_string(i);
    block.wait_after_ms = static_cast<int>(100 * i);
    block.provider = "espeak";
    block.voice = i % 2 == 0 ? "default" : "en-us";
    block.arabic = i == 2;
    job.spec.blocks.push_back(block);
  }
  return job;
}

// What a worker reports for block `index` of a job: a segment key naming both.
inline BlockResult result_for(const Task& task) {
  return BlockResult{"segments/" + task.job_id + "/" + std::to_string(task.block_index) + ".mp3",
                     1000 + static_cast<int64_t>(task.block_index), 50, "espeak", "en"};
}

// The redis-server of this test process, started on first use.
inline RedisServer& shared_redis_server() {
  static RedisServer server;
  return server;
}

// A Redis connection pool for `url` with short timeouts (tests expect failures fast).
inline std::shared_ptr<redis::Pool> redis_pool(const std::string& url) {
  auto endpoint = redis::parse_redis_url(url);
  EXPECT_TRUE(endpoint.ok());
  redis::PoolOptions options;
  options.connection.connect_timeout_ms = 500;
  options.connection.command_timeout_ms = 1000;
  return std::make_shared<redis::Pool>(endpoint.ok() ? *endpoint : redis::Endpoint{}, options);
}

// One backend's stores as a test opened them.
struct OpenedStores {
  std::shared_ptr<void> owner;
  JobStore* jobs = nullptr;
  TaskQueue* queue = nullptr;
  UserStore* users = nullptr;
  std::function<std::size_t()> waiting_claims;  // claims blocked waiting for a task
  WebhookOutbox* webhooks = nullptr;
  ApiKeyStore* api_keys = nullptr;
  SessionStore* sessions = nullptr;
};

// Parameter: "sqlite" or "redis".
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr int64_t kLeaseMs = 30'000;

  void SetUp() override {
    if (is_redis()) {
      ASSERT_TRUE(shared_redis_server().ready()) << "redis-server did not start";
    }
    reopen();
  }

  bool is_redis() const { return GetParam() == "redis"; }

  // Stores on the test's data, on `clock`. Several may be open at once (several processes).
  OpenedStores open(const Clock* clock, int max_claims = 10, bool serving = false) {
    OpenedStores opened;
    if (is_redis()) {
      struct Owner {
        std::unique_ptr<redis::RedisJobStore> store;
        std::unique_ptr<redis::RedisUserStore> users;
        std::unique_ptr<redis::RedisWebhookOutbox> webhooks;
        std::unique_ptr<redis::RedisApiKeyStore> api_keys;
        std::unique_ptr<redis::RedisSessionStore> sessions;
      };
      auto owner = std::make_shared<Owner>();
      auto pool = redis_pool(shared_redis_server().url());
      owner->store = std::make_unique<redis::RedisJobStore>(
          pool, redis::JobStoreOptions{
                    .clock = clock, .key_prefix = redis_prefix_, .max_claims = max_claims});
      owner->users = std::make_unique<redis::RedisUserStore>(pool, redis_prefix_);
      owner->webhooks = std::make_unique<redis::RedisWebhookOutbox>(pool, redis_prefix_, *clock);
      owner->api_keys = std::make_unique<redis::RedisApiKeyStore>(pool, redis_prefix_);
      owner->sessions = std::make_unique<redis::RedisSessionStore>(pool, redis_prefix_);
      opened = {owner,
                owner->store.get(),
                owner->store.get(),
                owner->users.get(),
                [store = owner->store.get()] { return store->waiting_claims(); },
                owner->webhooks.get(),
                owner->api_keys.get(),
                owner->sessions.get()};
    } else {
      auto backend = sqlite::open_sqlite_backend(
          {.path = dir_ / "polyvox.db"},
          {.clock = clock, .max_claims = max_claims, .expire_leases_at_open = serving});
      EXPECT_TRUE(backend.ok()) << backend.error().message;
      if (!backend.ok()) return opened;
      const auto& owner = *backend;
      opened = {owner,
                owner->jobs.get(),
                owner->jobs.get(),
                owner->users.get(),
                [store = owner->jobs.get()] { return store->waiting_claims(); },
                owner->webhooks.get(),
                owner->api_keys.get(),
                owner->sessions.get()};
    }
    return opened;
  }

  // Closes the stores and opens them again on the same data, as a restarted process would;
  // on `clock` if given (it must outlive them), else on clock_.
  // With `serving`, as the process that runs the workers (sqlite: leases found are a dead
  // process's, expired at once).
  void reopen(int max_claims = 10, const Clock* clock = nullptr, bool serving = false) {
    stores_ = {};
    stores_ = open(clock != nullptr ? clock : &clock_, max_claims, serving);
    ASSERT_NE(stores_.jobs, nullptr);
    jobs_ = stores_.jobs;
    queue_ = stores_.queue;
    users_ = stores_.users;
    webhooks_ = stores_.webhooks;
    api_keys_ = stores_.api_keys;
    sessions_ = stores_.sessions;
  }

  JobRecord create(const NewJob& job) {
    auto record = jobs_->create_job(job);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record.ok() ? *record : JobRecord{};
  }

  JobRecord get(const std::string& id) {
    auto record = jobs_->get_job(id, true);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record.ok() ? *record : JobRecord{};
  }

  // The next due task, which the test expects to exist.
  Task claim(const std::string& worker = "worker-1", int64_t lease_ms = kLeaseMs) {
    auto task = queue_->claim(worker, lease_ms, 0);
    EXPECT_TRUE(task.ok()) << task.error().message;
    EXPECT_TRUE(task.ok() && task->has_value()) << "no task was due";
    return task.ok() && task->has_value() ? **task : Task{};
  }

  // True when no task is due now.
  bool nothing_due() {
    auto task = queue_->claim("worker-idle", kLeaseMs, 0);
    EXPECT_TRUE(task.ok()) << task.error().message;
    return task.ok() && !task->has_value();
  }

  ReportOutcome complete(const Task& task) {
    auto done = queue_->complete_block(task, result_for(task));
    EXPECT_TRUE(done.ok()) << done.error().message;
    return done.ok() ? done->outcome : ReportOutcome::kRefused;
  }

  ReportOutcome fail(const Task& task, const std::string& error,
                     std::optional<int64_t> retry_at_ms = std::nullopt,
                     const std::vector<ProviderUsage>& usage = {}) {
    auto outcome = queue_->fail_task(task, error, retry_at_ms, usage);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    return outcome.ok() ? *outcome : ReportOutcome::kRefused;
  }

  // Claims and completes every due task, assemblies included, until none is due.
  void run_every_due_task() {
    for (;;) {
      auto task = queue_->claim("worker-drain", kLeaseMs, 0);
      ASSERT_TRUE(task.ok()) << task.error().message;
      if (!task->has_value()) return;
      const Task& t = **task;
      if (t.kind == TaskKind::kBlock) {
        ASSERT_EQ(complete(t), ReportOutcome::kAccepted);
      } else {
        auto done = queue_->complete_assembly(t, {"results/" + t.job_id + ".mp3", "{}", 1234});
        ASSERT_TRUE(done.ok() && *done == ReportOutcome::kAccepted);
      }
    }
  }

  TempDir dir_;
  ManualClock clock_;
  SystemClock system_clock_;
  const std::string redis_prefix_ = "test-" + random_hex(6) + ":";
  OpenedStores stores_;
  JobStore* jobs_ = nullptr;
  TaskQueue* queue_ = nullptr;
  UserStore* users_ = nullptr;
  WebhookOutbox* webhooks_ = nullptr;
  ApiKeyStore* api_keys_ = nullptr;
  SessionStore* sessions_ = nullptr;
};

// Test names end in /sqlite or /redis.
inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace polyvox::test_support

// Runs every TEST_P of `suite` on both backends.
#define POLYVOX_ON_EVERY_BACKEND(suite)                                           \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("sqlite", "redis"), \
                           ::polyvox::test_support::backend_name)
