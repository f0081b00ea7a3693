// A webhook receiver for C++ tests: an HTTP/1.1 server on 127.0.0.1 (a free port, one thread,
// one connection at a time) that records each request and answers it with the next status of
// its script (200 once the script is used up), closing the connection after each answer. It
// can also tell how many connections were ever made to it, the ones still waiting in the
// listening socket's queue included (to prove that nothing connected). Every answer carries a
// Location header, so that a client following redirects would be seen doing it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_listener.h"

namespace polyvox::test_support {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class WebhookReceiver {
 public:
  // Answers with `statuses` in order, then 200; every answer's body is `answer_body` and its
  // head carries `extra_headers` ("Name: value\r\n" lines; e.g. a Retry-After).
  explicit WebhookReceiver(std::vector<int> statuses = {}, std::string answer_body = "ok",
                           std::string extra_headers = "")
      : statuses_(statuses.begin(), statuses.end()),
        answer_body_(std::move(answer_body)),
        extra_headers_(std::move(extra_headers)) {
    fd_ = listen_on_loopback(port_);
    if (fd_ < 0) throw std::runtime_error("the webhook receiver cannot listen");
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stop();
    ::close(fd_);
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Stops serving, then counts every connection ever made: those served and those the kernel
  // accepted into the listening queue since.
  int stop_and_count_connections() {
    stop();
    int pending = 0;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;  // nothing waiting in the queue
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) break;
      ::close(c);
      ++pending;
    }
    return served_.load() + pending;
  }

 private:
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }

  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++served_;
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    std::string data;
    std::size_t head_end = std::string::npos;
    std::size_t wanted = 0;
    char buf[4096];
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        wanted = head_end + 4 + content_length(data.substr(0, head_end));
      }
      if (data.size() >= wanted) break;
    }
    ReceivedRequest request = parse(data.substr(0, head_end));
    request.body = data.substr(head_end + 4, wanted - head_end - 4);
    int status = 200;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
    }
    std::string answer = "HTTP/1.1 " + std::to_string(status) +
                         " Scripted\r\nContent-Length: " + std::to_string(answer_body_.size()) +
                         "\r\nLocation: http://127.0.0.1:1/elsewhere\r\nConnection: close\r\n" +
                         extra_headers_ + "\r\n";
    answer += answer_body_;
    for (std::size_t sent = 0; sent < answer.size();) {
      const ssize_t n = ::send(c, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client stopped reading (a truncated answer)
      sent += static_cast<std::size_t>(n);
    }
  }

  static std::string lower(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  }

  static ReceivedRequest parse(const std::string& head) {
    ReceivedRequest request;
    std::size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    request.method = first.substr(0, first.find(' '));
    const auto target_start = first.find(' ') + 1;
    request.target = first.substr(target_start, first.find(' ', target_start) - target_start);
    while (line_end != std::string::npos && line_end + 2 < head.size()) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      request.headers[lower(line.substr(0, colon))] = value;
    }
    return request;
  }

  static std::size_t content_length(const std::string& head) {
    const std::string lowered = lower(head);
    const auto at = lowered.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  mutable std::mutex mutex_;
  std::deque<int> statuses_;  // guarded by mutex_
  const std::string answer_body_;
  const std::string extra_headers_;
  std::vector<ReceivedRequest> requests_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace polyvox::test_support
