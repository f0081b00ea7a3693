// A pool of Redis connections shared by every store of a process: connections made on demand,
// reused, replaced when broken; fail-fast while Redis is down (a reconnect backoff doubling from
// min_backoff_ms to max_backoff_ms, during which acquire() fails at once with kUnavailable);
// Lua scripts run by EVALSHA, loaded with SCRIPT LOAD on first use and again after NOSCRIPT
// (Redis restarted: its script cache is not persisted).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "jobs/redis/redis_connection.h"

namespace polyvox::redis {

struct PoolOptions {
  ConnectionOptions connection;
  std::size_t max_connections = 64;  // past it, acquire() waits up to the command timeout
  int64_t min_backoff_ms = 100;      // after a failed connect: no new attempt for this long,
  int64_t max_backoff_ms = 5'000;    // doubling with each failure up to this
};

// A Lua script: a name (for messages and the SHA cache) and its source.
struct Script {
  std::string_view name;
  std::string_view source;
};

class Pool {
 public:
  // Creating a pool never touches the network: the first acquire() connects.
  Pool(Endpoint endpoint, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection lent by the pool; given back when destroyed (dropped if broken).
  class Handle {
   public:
    Handle(Handle&& other) noexcept
        : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class Pool;
    Handle(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // An idle connection, or a new one. kUnavailable (with retry_after_s) at once while the
  // reconnect backoff runs, when connecting fails, or when every connection stays busy for the
  // command timeout. Thread-safe.
  Result<Handle> acquire();

  // One command on a pooled connection. An error reply becomes an Error whose message is Redis's
  // ("NOGROUP ..."): kUnavailable for the transient ones (LOADING, BUSY, READONLY, MASTERDOWN,
  // MISCONF, OOM, TRYAGAIN), kInternal otherwise. Thread-safe.
  Result<Value> run(const Command& command);

  // Several commands in one round trip; each reply checked as run() does. Thread-safe.
  Result<std::vector<Value>> pipeline(const std::vector<Command>& commands);

  // EVALSHA of `script` with no KEYS and `args` as ARGV, loading it first if needed; errors as
  // run(). Thread-safe.
  Result<Value> eval(const Script& script, const std::vector<std::string>& args);

  // Round trips to Redis so far (for benchmarks). Thread-safe.
  uint64_t round_trips() const { return round_trips_.load(); }
  void count_round_trip() { ++round_trips_; }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);
  Result<std::string> load(const Script& script, Connection& connection);

  const Endpoint endpoint_;
  const PoolOptions options_;
  std::atomic<uint64_t> round_trips_{0};

  std::mutex mutex_;
  std::condition_variable returned_;
  // Idle connections, newest last, each with the generation it was made in.
  std::vector<std::pair<std::unique_ptr<Connection>, uint64_t>> idle_;
  std::map<Connection*, uint64_t> lent_;  // generation of every lent connection
  std::size_t connecting_ = 0;            // connections being made, unlocked
  // Bumped when a connection breaks by itself (Redis restarted or unreachable): idle connections
  // of an older generation are closed instead of reused, so that one failure does not repeat
  // once per pooled connection.
  uint64_t generation_ = 0;
  int64_t backoff_ms_ = 0;                            // 0: Redis answered last time
  std::chrono::steady_clock::time_point down_until_;  // no connect attempt before this
  std::map<std::string_view, std::string> shas_;      // script name -> SHA1 from SCRIPT LOAD
};

// Checks a reply: an error reply becomes an Error as Pool::run() describes.
Result<Value> checked(Value reply);

// True when `error` carries the Redis error reply code `code` ("NOGROUP", "BUSYGROUP", ...).
bool is_reply_error(const Error& error, std::string_view code);

}  // namespace polyvox::redis
