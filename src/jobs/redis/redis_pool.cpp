#include "jobs/redis/redis_pool.h"

#include <algorithm>
#include <iterator>

#include "core/waiting.h"

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

// Redis's read-only commands (its "readonly" flag) that this backend may send.
constexpr std::string_view kReadOnlyCommands[] = {
    "PING",   "GET",       "MGET",    "STRLEN",        "EXISTS",    "TYPE",
    "TTL",    "PTTL",      "HGET",    "HMGET",         "HGETALL",   "HEXISTS",
    "HLEN",   "HKEYS",     "HVALS",   "SCARD",         "SMEMBERS",  "SISMEMBER",
    "ZCARD",  "ZSCORE",    "ZRANGE",  "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE",
    "ZRANK",  "ZCOUNT",    "LLEN",    "LRANGE",        "LINDEX",    "XLEN",
    "XRANGE", "XREVRANGE", "XPENDING"};

}  // namespace

bool is_read_only(const Command& command) {
  // Spelled in capitals, as this backend writes them; another spelling counts as a write.
  return !command.empty() &&
         std::ranges::find(kReadOnlyCommands, command[0]) != std::end(kReadOnlyCommands);
}

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
  if (!may_wait()) return refuse_to_wait("Redis");  // every command is a network round trip
  std::unique_lock lock(mutex_);
  const auto deadline =
      Steady::now() + std::chrono::milliseconds(options_.connection.command_timeout_ms);
  for (;;) {
    if (!idle_.empty()) {
      IdleConnection idle = std::move(idle_.back());
      idle_.pop_back();
      if (idle.generation != generation_) continue;    // made before Redis went away: likely dead
      lent_[idle.connection.get()] = idle.generation;  // counted while checked, unlocked
      lock.unlock();
      if (still_works(*idle.connection, idle.since)) {
        return Handle(this, std::move(idle.connection));
      }
      give_back(std::move(idle.connection));  // broken: dropped with the rest of its generation
      lock.lock();
      continue;
    }
    if (lent_.size() + connecting_ < options_.max_connections) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()) {
      return Error{ErrorKind::kUnavailable, "every Redis connection is busy", "", 1};
    }
  }
  if (unreachable_ && reconnecting_) {
    // Another call is trying to reconnect: its outcome is this call's (Redis back: connect too;
    // still away: fail without paying a second connect timeout).
    const uint64_t attempt = reconnect_attempts_;
    const bool ended = returned_.wait_until(
        lock, deadline, [&] { return !unreachable_ || reconnect_attempts_ != attempt; });
    if (!ended || unreachable_) {
      return Error{ErrorKind::kUnavailable,
                   "Redis at " + endpoint_.display() +
                       " is unreachable (another call tried to reconnect and failed)",
                   "", 1};
    }
  }
  const bool reconnect = unreachable_;
  if (reconnect) reconnecting_ = true;
  const uint64_t generation = generation_;
  ++connecting_;  // counted against max_connections while connecting, unlocked
  lock.unlock();
  auto connection = Connection::open(endpoint_, options_.connection);
  lock.lock();
  --connecting_;
  if (reconnect) {
    reconnecting_ = false;
    ++reconnect_attempts_;
  }
  if (!connection) {
    unreachable_ = true;
    Error error = connection.take_error();
    error.retry_after_s = 1;
    lock.unlock();
    returned_.notify_all();  // waiters learn the outcome; one may connect in this free slot
    return error;
  }
  unreachable_ = false;
  lent_[connection->get()] = generation;
  lock.unlock();
  if (reconnect) returned_.notify_all();  // Redis is back: the calls waiting for it connect
  return Handle(this, std::move(connection.value()));
}

bool Pool::still_works(Connection& connection, Steady::time_point since) {
  if (!connection.check_open()) return false;
  if (Steady::now() - since <= std::chrono::milliseconds(options_.idle_check_ms)) return true;
  ++round_trips_;
  // Any reply, even an error (LOADING while Redis reads its AOF), says the connection works.
  return connection.run({"PING"}).ok();
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
      idle_.push_back({std::move(connection), generation, Steady::now()});
    }
  }
  returned_.notify_one();
}

template <typename T, typename Call>
Result<T> Pool::with_connection(Access access, const Call& call) {
  for (int attempt = 0;; ++attempt) {
    auto handle = acquire();
    if (!handle) return handle.take_error();
    Result<T> result = call(**handle);
    // Given back before the next attempt: a closed connection takes its generation with it.
    if (result.ok() || access == Access::kWrite || attempt > 0 || !(*handle)->closed()) {
      return result;
    }
  }
}

Result<Value> Pool::run(const Command& command) {
  const Access access = is_read_only(command) ? Access::kRead : Access::kWrite;
  return with_connection<Value>(access, [&](Connection& connection) -> Result<Value> {
    ++round_trips_;
    auto reply = connection.run(command);
    if (!reply) return reply.take_error();
    return checked(std::move(reply.value()));
  });
}

Result<std::vector<Value>> Pool::pipeline(const std::vector<Command>& commands) {
  const Access access =
      std::all_of(commands.begin(), commands.end(), is_read_only) ? Access::kRead : Access::kWrite;
  return with_connection<std::vector<Value>>(
      access, [&](Connection& connection) -> Result<std::vector<Value>> {
        ++round_trips_;
        auto replies = connection.run_pipeline(commands);
        if (!replies) return replies.take_error();
        for (Value& reply : *replies) {
          auto ok = checked(std::move(reply));
          if (!ok) return ok.take_error();
          reply = std::move(ok.value());
        }
        return replies;
      });
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

Result<Value> Pool::eval(const Script& script, const std::vector<std::string>& args,
                         Access access) {
  return with_connection<Value>(
      access, [&](Connection& connection) { return eval_on(connection, script, args, access); });
}

Result<Value> Pool::eval_on(Connection& connection, const Script& script,
                            const std::vector<std::string>& args, Access access) {
  std::string sha;
  {
    std::lock_guard lock(mutex_);
    if (auto it = shas_.find(script.name); it != shas_.end()) sha = it->second;
  }
  Command command;
  command.reserve(args.size() + 3);
  command.push_back(access == Access::kRead ? "EVALSHA_RO" : "EVALSHA");
  command.push_back("");
  command.push_back("0");
  command.insert(command.end(), args.begin(), args.end());
  for (int tries = 0;; ++tries) {
    if (sha.empty()) {
      auto loaded = load(script, connection);
      if (!loaded) return loaded.take_error();
      sha = std::move(loaded.value());
    }
    command[1] = sha;
    ++round_trips_;
    // A script's time grows with its arguments (create_job of a 100,000-block job: 1.2 million
    // of them, 2 s of Redis's time on this machine, past the 2 s command timeout: the job was
    // stored, the caller told 503, and a resubmission stored it twice). 10 us more per argument.
    auto reply = connection.run(command, static_cast<int64_t>(args.size() / 100));
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
