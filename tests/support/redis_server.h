// A real redis-server for tests: started on a free loopback port in a temporary directory
// (no RDB snapshots; AOF on request), ready once it answers PING, killed at the end. It can be
// stopped, restarted on the same port and data, paused and resumed, to test what the Redis
// backend does when Redis goes away.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/redis/redis_value.h"
#include "support/audio_fixtures.h"  // TempDir

namespace polyvox::test_support {

struct RedisServerOptions {
  bool appendonly = false;  // AOF on, appendfsync everysec
  std::string appendfsync = "everysec";
};

class RedisServer {
 public:
  // Starts the server; ready() tells whether it answered PING within 10 s.
  explicit RedisServer(RedisServerOptions options = {});
  // Kills the server (SIGKILL) if it runs.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ready() const { return pid_ > 0; }
  int port() const { return port_; }
  // redis://127.0.0.1:<port>
  std::string url() const;
  const TempDir& dir() const { return dir_; }

  // Stops the server: SIGTERM (a clean shutdown: the AOF is flushed) or SIGKILL (a crash), and
  // waits for it to exit.
  void stop(bool crash = false);
  // Starts it again on the same port and directory; true once it answers PING (its AOF loaded).
  bool restart();
  // SIGSTOP / SIGCONT: a server that hangs without closing its connections.
  void pause();
  void resume();

  // One command through a fresh connection (for test set-up and inspection): the reply's text,
  // integer or first element as a string; "" on failure.
  std::string command(const std::vector<std::string>& args) const;
  // The same, the whole reply (nil on failure).
  redis::Value reply(const std::vector<std::string>& args) const;

 private:
  bool launch();
  bool wait_until_ready();

  RedisServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound once by the kernel's choice, then released).
int free_loopback_port();

}  // namespace polyvox::test_support
