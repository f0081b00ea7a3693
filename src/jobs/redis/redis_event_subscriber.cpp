#include "jobs/redis/redis_event_subscriber.h"

#include <charconv>
#include <chrono>

#include "log/log.h"

namespace polyvox::redis {
namespace {

constexpr int64_t kMaxBackoffMs = 5'000;

}  // namespace

std::optional<JobEvent> parse_announcement(const std::string& message) {
  const auto a = message.find('\n');
  if (a == std::string::npos) return std::nullopt;
  const auto b = message.find('\n', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const auto c = message.find('\n', b + 1);
  if (c == std::string::npos) return std::nullopt;
  JobEvent event;
  event.job_id = message.substr(0, a);
  event.owner = message.substr(a + 1, b - a - 1);
  const char* first = message.data() + b + 1;
  const char* last = message.data() + c;
  const auto [end, ec] = std::from_chars(first, last, event.seq);
  if (ec != std::errc() || end != last || event.seq <= 0 || event.job_id.empty()) {
    return std::nullopt;
  }
  event.body = message.substr(c + 1);
  return event;
}

RedisEventSubscriber::RedisEventSubscriber(Endpoint endpoint, std::string key_prefix,
                                           SubscriberOptions options)
    : endpoint_(std::move(endpoint)), channel_(key_prefix + "events"), options_(options) {}

RedisEventSubscriber::~RedisEventSubscriber() { stop(); }

void RedisEventSubscriber::listen(JobEventListener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void RedisEventSubscriber::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { log::catching("Redis event subscriber", [this] { run(); }); });
}

void RedisEventSubscriber::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (connection_) connection_->abort();
    woken_.notify_all();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

void RedisEventSubscriber::announce(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  for (const auto& listener : listeners_) listener(event);
}

void RedisEventSubscriber::run() {
  int64_t backoff_ms = 100;
  while (!stopping_) {
    auto opened = Connection::open(endpoint_, options_.connection);
    if (!opened) {
      std::unique_lock lock(mutex_);
      woken_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return !!stopping_; });
      backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
      continue;
    }
    std::unique_ptr<Connection> connection = std::move(opened.value());
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      connection_ = connection.get();
    }
    if (connection->send({"SUBSCRIBE", channel_})) {
      backoff_ms = 100;
      bool pinged = false;  // and nothing heard since
      for (;;) {
        auto reply = connection->receive(options_.quiet_ping_ms);
        if (!reply) break;
        if (!*reply) {
          if (pinged) break;  // not even the PING was answered: the connection is dead
          if (!connection->send({"PING"})) break;
          pinged = true;
          continue;
        }
        pinged = false;
        const Value& value = **reply;
        if (value.elements.size() == 3 && value.elements[0].str == "subscribe") {
          subscribed_ = true;
          // Whatever was announced while this node was not subscribed is missed: after a lost
          // connection, and also before the first subscription (streams may already be open
          // when it comes, the HTTP server does not wait for it).
          announce(JobEvent{});
        } else if (value.elements.size() == 3 && value.elements[0].str == "message") {
          if (auto event = parse_announcement(value.elements[2].str)) announce(*event);
        }
      }
    }
    subscribed_ = false;
    {
      std::lock_guard lock(mutex_);
      connection_ = nullptr;
    }
    if (!stopping_) log::warn("Redis event subscription lost; reconnecting");
  }
}

}  // namespace polyvox::redis
