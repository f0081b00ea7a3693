#include "jobs/redis/leader_lease.h"

#include "jobs/redis/redis_scripts.h"
#include "log/log.h"

namespace polyvox::redis {
namespace {

int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

LeaderLease::LeaderLease(std::shared_ptr<Pool> pool, LeaderLeaseOptions options)
    : pool_(std::move(pool)),
      options_(std::move(options)),
      key_(Keys{options_.key_prefix}.leader(options_.name)) {}

LeaderLease::~LeaderLease() { stop(); }

bool LeaderLease::held() const { return steady_ns(Steady::now()) < valid_until_ns_.load(); }

Result<bool> LeaderLease::try_acquire() {
  // Counted from before the request: Redis starts the TTL later than this, never earlier.
  const auto sent = Steady::now();
  auto reply = pool_->eval(scripts::acquire_leadership(),
                           {key_, options_.holder, std::to_string(options_.ttl_ms)});
  if (!reply) return reply.take_error();
  const bool holds = reply->as_int() == 1;
  const bool was_held = held();
  valid_until_ns_ =
      holds ? steady_ns(sent + std::chrono::milliseconds(options_.ttl_ms * 9 / 10)) : 0;
  if (holds != was_held) {
    log::info(holds ? "leader lease taken" : "leader lease lost",
              {{"lease", options_.name}, {"holder", options_.holder}});
  }
  return holds;
}

Status LeaderLease::release() {
  valid_until_ns_ = 0;
  auto reply = pool_->eval(scripts::release_leadership(), {key_, options_.holder});
  if (!reply) return reply.take_error();
  return Status::success();
}

void LeaderLease::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      // Unreachable Redis: held() lapses by itself.
      (void)log::catching("leader lease", [this] { (void)try_acquire(); });
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, options_.ttl_ms / 3)),
                     [&] { return stopping_; });
    }
  });
}

void LeaderLease::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (held()) (void)release();
}

}  // namespace polyvox::redis
