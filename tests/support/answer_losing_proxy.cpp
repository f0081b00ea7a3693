#include "support/answer_losing_proxy.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace polyvox::test_support {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Writes all of `data`; false when the peer is gone.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

}  // namespace

AnswerLosingProxy::AnswerLosingProxy(int target_port) : target_port_(target_port) {
  if (::pipe(stop_pipe_) != 0) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return;
  }
  listener_ = fd;
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

AnswerLosingProxy::~AnswerLosingProxy() {
  if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(relays_mutex_);
    for (std::thread& relay : relays_) relay.join();
  }
  for (int fd : {listener_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void AnswerLosingProxy::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    ++connections_;
    std::lock_guard lock(relays_mutex_);
    relays_.emplace_back([this, client] { relay(client); });
  }
}

void AnswerLosingProxy::relay(int client) {
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in target = loopback(target_port_);
  if (server < 0 || ::connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof target)) {
    if (server >= 0) ::close(server);
    ::close(client);
    return;
  }
  char buffer[64 * 1024];
  for (;;) {
    pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents != 0) break;
    if (fds[0].revents != 0) {  // a request: on to the server
      const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
      if (got <= 0 || !write_all(server, buffer, static_cast<std::size_t>(got))) break;
    }
    if (fds[1].revents != 0) {  // an answer: back to the client, unless it is to be lost
      const ssize_t got = ::recv(server, buffer, sizeof buffer, 0);
      if (got <= 0 || lose_next_.exchange(false)) break;
      if (!write_all(client, buffer, static_cast<std::size_t>(got))) break;
    }
  }
  ::close(server);
  ::close(client);
}

}  // namespace polyvox::test_support
