#include "support/redis_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "jobs/redis/redis_connection.h"

namespace polyvox::test_support {
namespace {

using Steady = std::chrono::steady_clock;

redis::Endpoint endpoint_for(int port) {
  redis::Endpoint endpoint;
  endpoint.port = port;
  return endpoint;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  // Another process may take the port between our probe and the server's bind: try others.
  for (int tries = 0; tries < 5; ++tries) {
    port_ = free_loopback_port();
    if (launch() && wait_until_ready()) return;
    stop(true);
  }
}

RedisServer::~RedisServer() { stop(true); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

bool RedisServer::launch() {
  const std::string port = std::to_string(port_);
  const std::string log = (dir_ / "redis.log").string();
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // Dies with the test process, even when it crashes; keeps none of its pipes open.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
    ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", options_.appendonly ? "yes" : "no", "--appendfsync",
             options_.appendfsync.c_str(), "--dir", dir_.path().c_str(), "--logfile", log.c_str(),
             "--daemonize", "no", "--protected-mode", "no", static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  return true;
}

bool RedisServer::wait_until_ready() {
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  redis::ConnectionOptions options;
  options.connect_timeout_ms = 200;
  options.command_timeout_ms = 1000;
  while (Steady::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken, or no binary
      pid_ = -1;
      return false;
    }
    if (auto connection = redis::Connection::open(endpoint_for(port_), options)) {
      auto pong = (*connection)->run({"PING"});
      if (pong && pong->text() == "PONG") return true;  // LOADING while the AOF is read
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling PING, not a sync
  }
  return false;
}

void RedisServer::stop(bool crash) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // a paused server must be able to act on SIGTERM
  ::kill(pid_, crash ? SIGKILL : SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool RedisServer::restart() {
  stop(false);
  return launch() && wait_until_ready();
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

redis::Value RedisServer::reply(const std::vector<std::string>& args) const {
  auto connection = redis::Connection::open(endpoint_for(port_), {});
  if (!connection) return {};
  auto reply = (*connection)->run(args);
  return reply ? std::move(reply.value()) : redis::Value{};
}

std::string RedisServer::command(const std::vector<std::string>& args) const {
  auto reply = this->reply(args);
  if (reply.is_nil()) return "";
  if (reply.type == redis::Value::Type::kInteger) return std::to_string(reply.integer);
  if (reply.is_array()) {
    if (reply.elements.empty()) return "";
    const redis::Value& first = reply.elements[0];
    return first.type == redis::Value::Type::kInteger ? std::to_string(first.integer) : first.str;
  }
  return reply.str;
}

}  // namespace polyvox::test_support
