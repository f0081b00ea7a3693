// REDIS_URL parsing: every documented form, and refusals that never echo the password.
#include "jobs/redis/redis_url.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

using redis::parse_redis_url;

TEST(RedisUrlTest, HostAloneTakesTheDefaultPortAndDatabase) {
  auto endpoint = parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->host, "cache.internal");
  EXPECT_EQ(endpoint->port, 6379);
  EXPECT_EQ(endpoint->db, 0);
  EXPECT_TRUE(endpoint->user.empty());
  EXPECT_TRUE(endpoint->password.empty());
}

TEST(RedisUrlTest, ReadsUserPasswordPortAndDatabase) {
  auto endpoint = parse_redis_url("redis://polyvox:s%40cret:x@10.0.0.5:6380/3");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->user, "polyvox");
  EXPECT_EQ(endpoint->password, "s@cret:x");
  EXPECT_EQ(endpoint->host, "10.0.0.5");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->db, 3);
  EXPECT_EQ(endpoint->display(), "10.0.0.5:6380/3");
}

TEST(RedisUrlTest, PasswordWithoutUserAsTheSeedWritesIt) {
  auto with_colon = parse_redis_url("redis://:secret@redis:6379/0");
  ASSERT_TRUE(with_colon.ok());
  EXPECT_EQ(with_colon->user, "");
  EXPECT_EQ(with_colon->password, "secret");
  auto bare = parse_redis_url("redis://secret@redis");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->user, "");
  EXPECT_EQ(bare->password, "secret");
}

TEST(RedisUrlTest, BracketedIpv6Host) {
  auto endpoint = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 7000);
  EXPECT_EQ(endpoint->display(), "[::1]:7000/0");
}

TEST(RedisUrlTest, RefusesMalformedUrlsWithoutEchoingThePassword) {
  for (const char* url :
       {"http://redis:6379", "rediss://redis:6379", "redis://", "redis://:pw@:6379",
        "redis://host:0", "redis://host:65536", "redis://host:port",
        "redis://host:", "redis://host/db", "redis://host/-1", "redis://[::1",
        "redis://host?timeout=1", "redis://u:bad%zzpw@host"}) {
    auto endpoint = parse_redis_url(url);
    ASSERT_FALSE(endpoint.ok()) << url;
    EXPECT_EQ(endpoint.error().kind, ErrorKind::kInvalidInput) << url;
    EXPECT_EQ(endpoint.error().field, "REDIS_URL");
    EXPECT_EQ(endpoint.error().message.find("pw"), std::string::npos) << url;
  }
}

}  // namespace
}  // namespace polyvox
