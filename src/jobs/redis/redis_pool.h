// A pool of Redis connections shared by every store of a process: connections made on demand,
// reused, checked when taken (a close seen at once; a PING after lying idle), replaced when
// broken. A call whose connection Redis closed during it is sent again once on a new connection
// when it is a read or an idempotent write, never when it is another write. While Redis is
// unreachable one connect attempt at a time is made and the calls meanwhile fail at once with
// kUnavailable; the first call after Redis is back connects. Lua scripts run by EVALSHA (a read
// by EVALSHA_RO), loaded with SCRIPT LOAD on first use and again after NOSCRIPT (Redis
// restarted: its script cache is not persisted).
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
  // A connection taken after lying idle longer than this answers a PING first, or is replaced:
  // it may have died without a close reaching us (Redis's host gone, a middlebox that forgets
  // idle connections). 1 s: a round trip per connection per second at most, which costs nothing
  // next to the calls; a connection busier than that is checked by its calls, and a read that
  // finds it dead is sent again.
  int64_t idle_check_ms = 1'000;
};

// What a call may change in Redis, which decides whether it is sent again on a new connection
// when Redis (or the network) closed its connection during it, its outcome unknown. A timeout
// (Redis slow or hung) is never sent again: it would only double the wait.
enum class Access {
  kWrite,       // may change data: never sent again; the call fails with kUnavailable
  kRead,        // changes nothing: sent again once. A script runs as EVALSHA_RO, so that Redis
                // refuses a script marked kRead that writes.
  kIdempotent,  // changes data, but running it twice leaves what running it once does and
                // answers so that the caller can tell (create_job, by job id): sent again once
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

  // An idle connection that still works, or a new one. An idle connection that Redis closed
  // (Connection::check_open()), or that lay idle longer than idle_check_ms and does not answer a
  // PING, is dropped, and so are the other idle ones of its time (they met the same fate), so a
  // restart of Redis costs no call. kUnavailable (retry_after_s 1) when connecting fails, at once
  // while another call's connect attempt to an unreachable Redis is in progress, or when every
  // connection stays busy for the command timeout. Thread-safe.
  Result<Handle> acquire();

  // One command on a pooled connection, sent again once as Access says: kRead when the command
  // is one of Redis's read-only commands (is_read_only()), else kWrite. An error reply becomes
  // an Error whose message is Redis's ("NOGROUP ..."): kUnavailable for the transient ones
  // (LOADING, BUSY, READONLY, MASTERDOWN, MISCONF, OOM, TRYAGAIN), kInternal otherwise.
  // Thread-safe.
  Result<Value> run(const Command& command);

  // Several commands in one round trip, a read when every one is; each reply checked as run()
  // does. Thread-safe.
  Result<std::vector<Value>> pipeline(const std::vector<Command>& commands);

  // EVALSHA of `script` (EVALSHA_RO for kRead) with no KEYS and `args` as ARGV, loading it first
  // if needed; sent again once as `access` says; errors as run(). The command timeout grows by
  // 10 us per argument (a large job's create_job). Thread-safe.
  Result<Value> eval(const Script& script, const std::vector<std::string>& args,
                     Access access = Access::kWrite);

  // Round trips to Redis so far (for benchmarks). Thread-safe.
  uint64_t round_trips() const { return round_trips_.load(); }
  void count_round_trip() { ++round_trips_; }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);
  // Whether an idle connection, idle since `since`, may be lent: check_open(), then a PING when
  // it lay idle longer than idle_check_ms.
  bool still_works(Connection& connection, std::chrono::steady_clock::time_point since);
  // Runs `call` (Connection& -> Result<T>) on a pooled connection, and once more on another
  // when `access` allows it and Redis closed the first one during the call.
  template <typename T, typename Call>
  Result<T> with_connection(Access access, const Call& call);
  Result<Value> eval_on(Connection& connection, const Script& script,
                        const std::vector<std::string>& args, Access access);
  Result<std::string> load(const Script& script, Connection& connection);

  struct IdleConnection {
    std::unique_ptr<Connection> connection;
    uint64_t generation = 0;  // the generation it was made in
    std::chrono::steady_clock::time_point since;
  };

  const Endpoint endpoint_;
  const PoolOptions options_;
  std::atomic<uint64_t> round_trips_{0};

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<IdleConnection> idle_;      // newest last
  std::map<Connection*, uint64_t> lent_;  // generation of every lent connection
  std::size_t connecting_ = 0;            // connections being made, unlocked
  // Bumped when a connection breaks by itself (Redis restarted or unreachable): idle connections
  // of an older generation are closed instead of reused, so that one failure does not repeat
  // once per pooled connection.
  uint64_t generation_ = 0;
  // Redis is unreachable (the last connect attempt failed) while `unreachable_`; one call at a
  // time tries to connect then (`reconnecting_`), the others wait for its outcome. No backoff: it
  // would fail calls after Redis is back; one attempt at a time bounds what an unreachable Redis
  // costs (a refused connect costs a round trip, a silent host the connect timeout of one call).
  bool unreachable_ = false;
  bool reconnecting_ = false;
  uint64_t reconnect_attempts_ = 0;               // connect attempts made while unreachable_, ended
  std::map<std::string_view, std::string> shas_;  // script name -> SHA1 from SCRIPT LOAD
};

// Checks a reply: an error reply becomes an Error as Pool::run() describes.
Result<Value> checked(Value reply);

// True when `command` changes nothing in Redis, so that it may be sent twice: one of Redis's
// read-only commands (GET, HGETALL, ZRANGE, XLEN, PING, ...), its name in capitals.
bool is_read_only(const Command& command);

// True when `error` carries the Redis error reply code `code` ("NOGROUP", "BUSYGROUP", ...).
bool is_reply_error(const Error& error, std::string_view code);

}  // namespace polyvox::redis
