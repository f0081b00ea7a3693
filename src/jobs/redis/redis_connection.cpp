#include "jobs/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace polyvox::redis {
namespace {

timeval to_timeval(int64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

Value from_reply(const redisReply* reply) {
  Value value;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      value.type = Value::Type::kString;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = Value::Type::kStatus;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      value.type = Value::Type::kError;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      value.type = Value::Type::kInteger;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Value::Type::kArray;
      value.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) {
        value.elements.push_back(from_reply(reply->element[i]));
      }
      break;
    default:
      break;  // nil
  }
  return value;
}

struct ReplyDeleter {
  void operator()(void* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<void, ReplyDeleter>;

void append(redisContext* context, const Command& command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const auto& arg : command) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

// Keeps a write to a socket Redis closed (or abort() shut down) from killing the process with
// SIGPIPE, whatever the program's own SIGPIPE disposition: blocks SIGPIPE in this thread for the
// scope and consumes one it raised (the write then fails with EPIPE, an ordinary I/O error).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait{0, 0};
        sigtimedwait(&pipe_, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const Endpoint& endpoint,
                                                     const ConnectionOptions& options) {
  redisContext* context = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                                  to_timeval(options.connect_timeout_ms));
  if (context == nullptr) {
    return Error{ErrorKind::kUnavailable, "cannot allocate a Redis connection", ""};
  }
  std::unique_ptr<Connection> connection(new Connection(context, options));
  if (context->err != 0) {
    return Error{ErrorKind::kUnavailable,
                 "cannot connect to Redis at " + endpoint.display() + ": " + context->errstr, ""};
  }
  redisEnableKeepAlive(context);
  if (!connection->set_timeout(options.connect_timeout_ms)) {
    return connection->io_error("setting the socket timeout");
  }
  auto handshake = [&](const Command& command, const char* what) -> Status {
    auto reply = connection->run(command);
    if (!reply) return reply.take_error();
    if (reply->is_error()) {
      return Error{
          ErrorKind::kUnavailable,
          std::string("Redis at ") + endpoint.display() + " refused " + what + ": " + reply->str,
          ""};
    }
    return Status::success();
  };
  if (!endpoint.password.empty()) {
    Command auth{"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    if (Status s = handshake(auth, "the credentials"); !s) return s.error();
  }
  if (endpoint.db != 0) {
    if (Status s = handshake({"SELECT", std::to_string(endpoint.db)}, "SELECT"); !s) {
      return s.error();
    }
  }
  if (!connection->set_timeout(options.command_timeout_ms)) {
    return connection->io_error("setting the socket timeout");
  }
  return connection;
}

Connection::Connection(redisContext* context, const ConnectionOptions& options)
    : context_(context), options_(options) {}

Connection::~Connection() { redisFree(context_); }

bool Connection::set_timeout(int64_t ms) {
  return redisSetTimeout(context_, to_timeval(ms)) == REDIS_OK;
}

Error Connection::io_error(const char* what) {
  // hiredis reports a socket timeout (SO_RCVTIMEO/SO_SNDTIMEO) as an I/O error with errno EAGAIN,
  // newer versions as REDIS_ERR_TIMEOUT.
  const int error_number = errno;
  bool timeout =
      context_->err == REDIS_ERR_IO && (error_number == EAGAIN || error_number == EWOULDBLOCK);
#ifdef REDIS_ERR_TIMEOUT
  timeout = timeout || context_->err == REDIS_ERR_TIMEOUT;
#endif
  timed_out_ = timeout;
  broken_ = true;
  std::string message = std::string("Redis ") + what + " failed: ";
  message += aborted_ ? "interrupted" : (context_->errstr[0] != 0 ? context_->errstr : "I/O error");
  return Error{ErrorKind::kUnavailable, message, ""};
}

Result<Value> Connection::run(const Command& command, int64_t extra_timeout_ms) {
  auto replies = run_pipeline_with_timeout({command}, extra_timeout_ms);
  if (!replies) return replies.take_error();
  return std::move(replies->front());
}

Result<std::vector<Value>> Connection::run_pipeline(const std::vector<Command>& commands) {
  return run_pipeline_with_timeout(commands, 0);
}

Result<std::vector<Value>> Connection::run_pipeline_with_timeout(
    const std::vector<Command>& commands, int64_t extra_timeout_ms) {
  if (broken_) return Error{ErrorKind::kUnavailable, "Redis connection is broken", ""};
  if (aborted_) return io_error("command");
  if (extra_timeout_ms > 0 && !set_timeout(options_.command_timeout_ms + extra_timeout_ms)) {
    return io_error("setting the socket timeout");
  }
  const SigpipeGuard no_sigpipe;
  for (const Command& command : commands) append(context_, command);
  std::vector<Value> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return io_error(commands[i].empty() ? "command" : commands[i][0].c_str());
    }
    ReplyPtr reply(raw);
    replies.push_back(from_reply(static_cast<redisReply*>(reply.get())));
  }
  if (extra_timeout_ms > 0 && !set_timeout(options_.command_timeout_ms)) {
    return io_error("setting the socket timeout");
  }
  return replies;
}

Status Connection::send(const Command& command) {
  if (broken_) return Error{ErrorKind::kUnavailable, "Redis connection is broken", ""};
  const SigpipeGuard no_sigpipe;
  append(context_, command);
  int done = 0;
  while (!done) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return io_error(command[0].c_str());
  }
  return Status::success();
}

Result<std::optional<Value>> Connection::receive(int64_t timeout_ms) {
  if (broken_) return Error{ErrorKind::kUnavailable, "Redis connection is broken", ""};
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::clamp<int64_t>(timeout_ms, 0, 3'600'000));
  void* raw = nullptr;
  // A reply already read into hiredis's buffer comes first.
  if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) return io_error("reading");
  // A reply may come in several reads (a slow link, a large message): read until it is whole or
  // the time is up; part of a reply is not a quiet connection.
  while (raw == nullptr) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd ready{context_->fd, POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    if (aborted_) return io_error("reading");
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) return std::optional<Value>();  // nothing whole in that time
    if (polled < 0 || redisBufferRead(context_) != REDIS_OK) return io_error("reading");
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) return io_error("reading");
  }
  ReplyPtr reply(raw);
  return std::optional<Value>(from_reply(static_cast<redisReply*>(reply.get())));
}

bool Connection::check_open() {
  if (broken_) return false;
  char byte;
  const ssize_t peeked = ::recv(context_->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  broken_ = true;  // 0: closed; > 0: bytes nobody asked for; < 0: reset or another error
  return false;
}

void Connection::abort() {
  aborted_ = true;
  ::shutdown(context_->fd, SHUT_RDWR);
}

}  // namespace polyvox::redis
