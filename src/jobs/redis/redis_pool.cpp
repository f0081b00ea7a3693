#include "jobs/redis/redis_pool.h"

#include <algorithm>

namespace polyvox::redis {
namespace {

using Steady = std::chrono::steady_clock;

bool is_transient(const std::string& code) {
  for (const char* transient : {"LOADING", "BUSY", "READONLY", "MASTERDOWN", "MISCONF", "OOM",
                                "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"}) {
    if (code == transient) return true;
  }
  return false;
}

int retry_after_s(int64_t ms) { return static_cast<int>(std::max<int64_t>(1, (ms + 999) / 1000)); }

}  // namespace

Result<Value> checked(Value reply) {
  if (!reply.is_error()) return reply;
  const std::string code = error_code(reply);
  Error error{is_transient(code) ? ErrorKind::kUnavailable : ErrorKind::kInternal, reply.str, ""};
  if (error.kind == ErrorKind::kUnavailable) error.retry_after_s = 1;
  return error;
}

bool is_reply_error(const Error& error, std::string_view code) {
  return error.message.size() > code.size() && error.message.starts_with(code) &&
         error.message[code.size()] == ' ';
}

Pool::Pool(Endpoint endpoint, PoolOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {}

Pool::~Pool() = default;

Pool::Handle::~Handle() {
  if (connection_) pool_->give_back(std::move(connection_));
}

Result<Pool::Handle> Pool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline =
      Steady::now() + std::chrono::milliseconds(options_.connection.command_timeout_ms);
  for (;;) {
    while (!idle_.empty()) {
      auto [connection, generation] = std::move(idle_.back());
      idle_.pop_back();
      if (generation != generation_) continue;  // made before Redis went away: likely dead
      lent_[connection.get()] = generation;
      return Handle(this, std::move(connection));
    }
    if (lent_.size() + connecting_ < options_.max_connections) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()) {
      return Error{ErrorKind::kUnavailable, "every Redis connection is busy", "", 1};
    }
  }
  const auto now = Steady::now();
  if (backoff_ms_ > 0 && now < down_until_) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(down_until_ - now).count();
    return Error{ErrorKind::kUnavailable,
                 "Redis at " + endpoint_.display() + " is unreachable (next attempt in " +
                     std::to_string(left) + " ms)",
                 "", retry_after_s(left)};
  }
  const uint64_t generation = generation_;
  ++connecting_;  // counted against max_connections while connecting, unlocked
  lock.unlock();
  auto connection = Connection::open(endpoint_, options_.connection);
  lock.lock();
  --connecting_;
  if (!connection) {
    backoff_ms_ = backoff_ms_ == 0 ? options_.min_backoff_ms
                                   : std::min(options_.max_backoff_ms, backoff_ms_ * 2);
    down_until_ = Steady::now() + std::chrono::milliseconds(backoff_ms_);
    Error error = connection.take_error();
    error.retry_after_s = retry_after_s(backoff_ms_);
    lock.unlock();
    returned_.notify_one();  // a waiter may connect now that this slot is free
    return error;
  }
  backoff_ms_ = 0;
  lent_[connection->get()] = generation;
  return Handle(this, std::move(connection.value()));
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    auto it = lent_.find(connection.get());
    const uint64_t generation = it == lent_.end() ? generation_ : it->second;
    if (it != lent_.end()) lent_.erase(it);
    if (connection->broken()) {
      // An abort is ours (shutdown); any other break says Redis went away or hung.
      if (!connection->aborted() && generation == generation_) ++generation_;
    } else if (generation == generation_) {
      idle_.emplace_back(std::move(connection), generation);
    }
  }
  returned_.notify_one();
}

Result<Value> Pool::run(const Command& command) {
  auto handle = acquire();
  if (!handle) return handle.take_error();
  ++round_trips_;
  auto reply = (*handle)->run(command);
  if (!reply) return reply.take_error();
  return checked(std::move(reply.value()));
}

Result<std::vector<Value>> Pool::pipeline(const std::vector<Command>& commands) {
  auto handle = acquire();
  if (!handle) return handle.take_error();
  ++round_trips_;
  auto replies = (*handle)->run_pipeline(commands);
  if (!replies) return replies.take_error();
  for (Value& reply : *replies) {
    auto ok = checked(std::move(reply));
    if (!ok) return ok.take_error();
    reply = std::move(ok.value());
  }
  return replies;
}

Result<std::string> Pool::load(const Script& script, Connection& connection) {
  ++round_trips_;
  auto loaded = connection.run({"SCRIPT", "LOAD", std::string(script.source)});
  if (!loaded) return loaded.take_error();
  auto sha = checked(std::move(loaded.value()));
  if (!sha) {
    Error error = sha.take_error();
    error.message = "cannot load Lua script " + std::string(script.name) + ": " + error.message;
    return error;
  }
  std::lock_guard lock(mutex_);
  shas_[script.name] = sha->text();
  return sha->text();
}

Result<Value> Pool::eval(const Script& script, const std::vector<std::string>& args) {
  auto handle = acquire();
  if (!handle) return handle.take_error();
  std::string sha;
  {
    std::lock_guard lock(mutex_);
    if (auto it = shas_.find(script.name); it != shas_.end()) sha = it->second;
  }
  Command command;
  command.reserve(args.size() + 3);
  command.push_back("EVALSHA");
  command.push_back("");
  command.push_back("0");
  command.insert(command.end(), args.begin(), args.end());
  for (int tries = 0;; ++tries) {
    if (sha.empty()) {
      auto loaded = load(script, **handle);
      if (!loaded) return loaded.take_error();
      sha = std::move(loaded.value());
    }
    command[1] = sha;
    ++round_trips_;
    auto reply = (*handle)->run(command);
    if (!reply) return reply.take_error();
    // NOSCRIPT: Redis restarted (or SCRIPT FLUSH) since the script was loaded.
    if (tries == 0 && error_code(*reply) == "NOSCRIPT") {
      sha.clear();
      continue;
    }
    auto result = checked(std::move(reply.value()));
    if (!result) {
      Error error = result.take_error();
      if (error.kind == ErrorKind::kInternal) {
        error.message = "Lua script " + std::string(script.name) + ": " + error.message;
      }
      return error;
    }
    return result;
  }
}

}  // namespace polyvox::redis
