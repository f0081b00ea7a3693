// An HTTP/1.1 peer on 127.0.0.1 that answers each connection, one at a time, with the next of
// its scripted responses (bytes written as they are, then the connection closed), and records
// each request's head. For tests of a client's protocol handling (reconnections, Last-Event-ID,
// "retry: 0") where the real server cannot be made to misbehave on cue.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_listener.h"

namespace polyvox::test_support {

class ScriptedHttpServer {
 public:
  // `responses` in order; the last one answers every connection after it.
  explicit ScriptedHttpServer(std::vector<std::string> responses)
      : responses_(std::move(responses)) {
    if (::pipe(stop_pipe_) != 0) return;
    listener_ = listen_on_loopback(port_);
    if (listener_ < 0) return;
    thread_ = std::thread([this] { serve(); });
  }

  ~ScriptedHttpServer() {
    if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
    for (int fd : {listener_, stop_pipe_[0], stop_pipe_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The heads of the requests received so far, in order. Thread-safe.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // A 200 event stream with `body`, ended by closing the connection.
  static std::string event_stream(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body;
  }

  // A JSON answer with `status`.
  static std::string json(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) +
           " Scripted\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }

 private:
  void serve() {
    for (std::size_t turn = 0;; ++turn) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(head);
      }
      const std::string& response = responses_[std::min(turn, responses_.size() - 1)];
      for (std::size_t sent = 0; sent < response.size();) {
        const ssize_t n =
            ::send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::shutdown(client, SHUT_RDWR);
      ::close(client);
    }
  }

  std::vector<std::string> responses_;
  int listener_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
};

}  // namespace polyvox::test_support
