// One connection to Redis (RAII over a hiredis context): connect with a timeout, AUTH, SELECT,
// commands and pipelines bounded by a command timeout. A connection that saw an I/O error or a
// timeout is broken for good; the pool (redis_pool.h) replaces it, and tells by closed() whether
// a call that broke it may be sent again.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "jobs/redis/redis_url.h"
#include "jobs/redis/redis_value.h"

struct redisContext;

namespace polyvox::redis {

struct ConnectionOptions {
  int64_t connect_timeout_ms = 1'000;  // TCP connect, AUTH and SELECT each
  int64_t command_timeout_ms = 2'000;  // sending a command and reading its reply
};

// A command: its arguments, binary-safe.
using Command = std::vector<std::string>;

class Connection {
 public:
  // Connects to `endpoint`, authenticates and selects its database. kUnavailable when Redis
  // cannot be reached, does not answer in time or refuses the credentials (the message says
  // which, never the password).
  static Result<std::unique_ptr<Connection>> open(const Endpoint& endpoint,
                                                  const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `command` and reads its reply within the command timeout plus `extra_timeout_ms` (for
  // a blocking command, its block time). An error reply is a Value of type kError, not an Error.
  // kUnavailable on an I/O error or a timeout, after which broken() is true. Not thread-safe.
  Result<Value> run(const Command& command, int64_t extra_timeout_ms = 0);

  // Sends every command, then reads every reply: one round trip. As run() otherwise.
  Result<std::vector<Value>> run_pipeline(const std::vector<Command>& commands);

  // For a subscribed connection (SUBSCRIBE: replies come unasked): sends `command` without
  // reading its reply. kUnavailable on an I/O error (broken() then). Not thread-safe.
  Status send(const Command& command);

  // For a subscribed connection: the next reply, waiting up to `timeout_ms` for it whole (it may
  // come in several reads); nullopt when none was whole in that time (the connection stays
  // usable; a part already read stays buffered for the next call). kUnavailable on an I/O error or
  // abort() (broken() then). Not thread-safe.
  Result<std::optional<Value>> receive(int64_t timeout_ms);

  // Makes a command in progress on another thread fail at once (kUnavailable; the connection is
  // then broken), e.g. to wake a blocking read at shutdown. Thread-safe, unlike the rest.
  void abort();

  // Whether Redis (or the network) closed or reset the connection while it lay idle, or sent
  // bytes nobody asked for: then false, and broken() from then on. One non-blocking peek at the
  // socket, no round trip: it sees a close once its FIN or RST arrived (a restarted or killed
  // Redis closes its connections at once; a host that vanished does not, hence the pool's PING
  // of long-idle connections). REQUIRES: no command in progress.
  bool check_open();

  // True when the connection can no longer be used.
  bool broken() const { return broken_; }
  // True when broken by abort() rather than by Redis or the network.
  bool aborted() const { return aborted_; }
  // True when broken because Redis or the network closed or reset it (end of file, reset, broken
  // pipe; check_open() saw it): not by a timeout (Redis slow or hung), not by abort(). A command
  // that broke it so may or may not have run.
  bool closed() const { return broken_ && !aborted_ && !timed_out_; }

 private:
  Connection(redisContext* context, const ConnectionOptions& options);
  Error io_error(const char* what);
  bool set_timeout(int64_t ms);
  Result<std::vector<Value>> run_pipeline_with_timeout(const std::vector<Command>& commands,
                                                       int64_t extra_timeout_ms);

  redisContext* context_;  // owned; freed by the destructor
  ConnectionOptions options_;
  bool broken_ = false;
  bool timed_out_ = false;  // broken by a send or receive timeout
  std::atomic<bool> aborted_{false};
};

}  // namespace polyvox::redis
