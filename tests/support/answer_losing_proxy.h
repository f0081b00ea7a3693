// A TCP proxy on 127.0.0.1 in front of a real server (redis-server in the tests) that can lose
// one answer: the server receives the request and runs it, and the client's connection is then
// closed instead of given the reply. This is what a client sees when its server dies, or the
// network drops the connection, between running a command and answering it: a call whose outcome
// is unknown, made deterministic.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace polyvox::test_support {

class AnswerLosingProxy {
 public:
  // Listens on a free loopback port; each connection accepted is relayed to 127.0.0.1:target.
  explicit AnswerLosingProxy(int target_port);
  // Closes every connection and joins every thread.
  ~AnswerLosingProxy();
  AnswerLosingProxy(const AnswerLosingProxy&) = delete;
  AnswerLosingProxy& operator=(const AnswerLosingProxy&) = delete;

  bool ready() const { return listener_ >= 0; }
  int port() const { return port_; }

  // The next bytes the server sends, on whichever connection, are dropped, and that connection
  // is closed on both sides. Thread-safe.
  void lose_next_answer() { lose_next_ = true; }
  // True until an answer was lost since lose_next_answer(). Thread-safe.
  bool armed() const { return lose_next_; }
  // Client connections accepted so far. Thread-safe.
  int connections() const { return connections_; }

 private:
  void accept_loop();
  void relay(int client);

  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};  // readable once the proxy stops: wakes every poll
  std::atomic<bool> lose_next_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex relays_mutex_;
  std::vector<std::thread> relays_;  // guarded by relays_mutex_
};

}  // namespace polyvox::test_support
