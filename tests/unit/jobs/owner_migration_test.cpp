// Data of before users had ids, on each backend: users get ids (token version 0), jobs and usage
// owned by a name move to that user's id and keep the name for display, and what a removed
// user owned goes to an id nobody has, so that a user added again under that name gets none of
// it. SQLite migrates when the file is opened (schema version 3); Redis at the user store's
// first operation (migrate_owners.lua).
#include "jobs/sqlite/sqlite_schema.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::shared_redis_server;
using test_support::TempDir;

// What both backends must show once they migrated data in which "alice" (a user, who owns
// job-a and espeak usage) and "root" (an admin) exist, and "carol" (job-c, openai usage) was
// removed before the migration.
void expect_migrated(UserStore& users, JobStore& jobs) {
  auto alice = users.find_user("alice");
  ASSERT_TRUE(alice.ok()) << alice.error().message;
  ASSERT_TRUE(alice->has_value());
  const User a = **alice;
  EXPECT_TRUE(is_uuid(a.id)) << a.id;
  EXPECT_EQ(a.token_version, 0);
  EXPECT_EQ(a.password_hash, "$argon2id$alice");
  EXPECT_FALSE(a.admin);
  EXPECT_EQ(a.created_at_ms, 11);
  EXPECT_EQ((*users.find_user_by_id(a.id))->name, "alice");
  auto root = *users.find_user("root");
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->admin);
  EXPECT_NE(root->id, a.id);

  auto job_a = jobs.get_job("job-a", false);
  ASSERT_TRUE(job_a.ok()) << job_a.error().message;
  EXPECT_EQ(job_a->owner, a.id);
  EXPECT_EQ(job_a->owner_name, "alice");
  auto page = jobs.list_jobs(a.id, 0, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1u);
  EXPECT_EQ(page->jobs[0].id, "job-a");
  auto job_c = jobs.get_job("job-c", false);
  ASSERT_TRUE(job_c.ok());
  EXPECT_EQ(job_c->owner, "removed:carol");
  EXPECT_EQ(job_c->owner_name, "carol");
  EXPECT_EQ(jobs.list_jobs("carol", 0, 10)->total, 0u);
  EXPECT_EQ(jobs.list_jobs("", 0, 10)->total, 2u);

  auto usage = jobs.usage("");
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->size(), 2u);  // by name
  EXPECT_EQ((*usage)[0].owner, a.id);
  EXPECT_EQ((*usage)[0].owner_name, "alice");
  ASSERT_EQ((*usage)[0].providers.size(), 1u);
  EXPECT_EQ((*usage)[0].providers[0].provider, "espeak");
  EXPECT_EQ((*usage)[0].providers[0].characters, 30u);
  EXPECT_EQ((*usage)[1].owner, "removed:carol");
  EXPECT_EQ((*usage)[1].owner_name, "carol");

  // Carol added again is someone new: none of the old carol's jobs or usage.
  const User carol{new_uuid4(), "carol", "$argon2id$carol2", false, 99, 0};
  ASSERT_TRUE(users.add_user(carol).ok());
  EXPECT_EQ(jobs.list_jobs(carol.id, 0, 10)->total, 0u);
  EXPECT_TRUE(jobs.usage(carol.id)->empty());
}

TEST(SqliteOwnerMigrationTest, OwnerNamesBecomeUserIdsWhenTheFileIsOpened) {
  TempDir dir;
  {
    // The file as the previous binary (schema version 2) left it.
    auto db = sqlite::Connection::open(dir / "polyvox.db", {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE(sqlite::migrate_to(**db, 2).ok());
    ASSERT_TRUE((*db)
                    ->exec(R"sql(
      INSERT INTO users VALUES ('alice', '$argon2id$alice', 0, 11), ('root', '$argon2id$root', 1, 12);
      INSERT INTO jobs (id, owner, project_id, output_format, status, blocks_total, blocks_done,
                        created_at_ms, updated_at_ms)
        VALUES ('job-a', 'alice', '', 'mp3', 2, 1, 1, 21, 22), ('job-c', 'carol', '', 'mp3', 2, 1, 1, 23, 24);
      INSERT INTO usage (owner, provider, calls, characters)
        VALUES ('alice', 'espeak', 3, 30), ('carol', 'openai', 1, 5);
    )sql")
                    .ok());
    EXPECT_EQ(*(*db)->query_int("PRAGMA user_version"), 2);
  }
  auto backend = sqlite::open_sqlite_backend({.path = dir / "polyvox.db"}, {});
  ASSERT_TRUE(backend.ok()) << backend.error().message;
  expect_migrated(*(*backend)->users, *(*backend)->jobs);
}

class RedisOwnerMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shared_redis_server().ready()); }

  void write(const redis::Command& command) {
    auto reply = pool_->run(command);
    ASSERT_TRUE(reply.ok()) << reply.error().message;
  }

  // The keys as the previous binary wrote them: users by name, owners by name.
  void write_old_layout() {
    const std::string& P = prefix_;
    write({"HSET", P + "user:alice", "name", "alice", "password_hash", "$argon2id$alice", "admin",
           "0", "created_at_ms", "11"});
    write({"HSET", P + "user:root", "name", "root", "password_hash", "$argon2id$root", "admin", "1",
           "created_at_ms", "12"});
    write({"ZADD", P + "users", "0", "alice", "0", "root"});
    for (const auto& [id, owner, seq] :
         {std::tuple{"job-a", "alice", "1"}, std::tuple{"job-c", "carol", "2"}}) {
      write({"HSET",
             P + "job:" + id,
             "id",
             id,
             "seq",
             seq,
             "owner",
             owner,
             "project_id",
             "",
             "output_format",
             "mp3",
             "status",
             "2",
             "blocks_total",
             "1",
             "blocks_done",
             "1",
             "error",
             "",
             "assembly_enqueued",
             "1",
             "created_at_ms",
             "21",
             "updated_at_ms",
             "22"});
      write({"ZADD", P + "jobs", seq, id});
      write({"ZADD", P + "jobs:owner:" + owner, seq, id});
    }
    write({"HSET", P + "usage:alice", "espeak|calls", "3", "espeak|characters", "30"});
    write({"HSET", P + "usage:carol", "openai|calls", "1", "openai|characters", "5"});
    write({"SADD", P + "usage:owners", "alice", "carol"});
  }

  int64_t exists(const std::string& key) {
    auto reply = pool_->run({"EXISTS", prefix_ + key});
    return reply.ok() ? reply->as_int().value_or(-1) : -1;
  }

  const std::string prefix_ = "test-" + random_hex(6) + ":";
  std::shared_ptr<redis::Pool> pool_ = test_support::redis_pool(shared_redis_server().url());
};

TEST_F(RedisOwnerMigrationTest, OwnerNamesBecomeUserIdsAtTheUserStoresFirstOperation) {
  write_old_layout();
  redis::RedisUserStore users(pool_, prefix_);
  redis::RedisJobStore jobs(pool_, {.key_prefix = prefix_});
  expect_migrated(users, jobs);
  // The indexes by name are gone, and the migration is recorded.
  EXPECT_EQ(exists("jobs:owner:alice"), 0);
  EXPECT_EQ(exists("jobs:owner:carol"), 0);
  EXPECT_EQ(exists("usage:alice"), 0);
  EXPECT_EQ(exists("owners_migrated"), 1);
}

TEST_F(RedisOwnerMigrationTest, MigrationRunsOnceWhateverTheNumberOfStores) {
  write_old_layout();
  redis::RedisUserStore first(pool_, prefix_), second(pool_, prefix_);
  auto alice = first.find_user("alice");
  ASSERT_TRUE(alice.ok() && alice->has_value());
  auto again = second.find_user("alice");  // another process: finds the migration done
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, (*alice)->id);
  redis::RedisJobStore jobs(pool_, {.key_prefix = prefix_});
  EXPECT_EQ(jobs.list_jobs((*alice)->id, 0, 10)->total, 1u);
  auto usage = jobs.usage((*alice)->id);
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].providers[0].calls, 3u);  // moved once, not added twice
}

// Migrated data whose marker was lost (a node that cached "migrated" meanwhile, a restore of
// part of the keys) is migrated again as it is: usage kept under an id stays there (it used to
// move to 'removed:<id>', out of its user's reach).
TEST_F(RedisOwnerMigrationTest, RunningAgainWithoutTheMarkerChangesNothing) {
  write_old_layout();
  std::string alice_id;
  {
    redis::RedisUserStore users(pool_, prefix_);
    auto alice = users.find_user("alice");
    ASSERT_TRUE(alice.ok() && alice->has_value());
    alice_id = (*alice)->id;
  }
  auto reply = pool_->run({"DEL", prefix_ + "owners_migrated"});
  ASSERT_TRUE(reply.ok());
  redis::RedisUserStore again(pool_, prefix_);
  ASSERT_TRUE(again.list_users().ok());
  EXPECT_EQ(exists("owners_migrated"), 1);
  EXPECT_EQ(exists("usage:removed:" + alice_id), 0);
  redis::RedisJobStore jobs(pool_, {.key_prefix = prefix_});
  auto usage = jobs.usage(alice_id);
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].providers[0].calls, 3u);
  EXPECT_EQ(jobs.list_jobs(alice_id, 0, 10)->total, 1u);
}

TEST_F(RedisOwnerMigrationTest, EmptyDatabaseIsMarkedMigratedAtOnce) {
  redis::RedisUserStore users(pool_, prefix_);
  ASSERT_TRUE(users.list_users().ok());
  EXPECT_EQ(exists("owners_migrated"), 1);
}

}  // namespace
}  // namespace polyvox
