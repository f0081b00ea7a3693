// The Redis backend's job events on this node (jobs/job_events.h): one connection SUBSCRIBEd
// to "<prefix>events", read by one thread that hands each announcement to the listeners; no
// client of the API ever blocks on Redis for events. The connection is PINGed when quiet; when
// it is lost, or answers nothing (not even the PING) for two quiet periods, it is opened again
// (with backoff). Each time the subscription takes effect (the first time too) the listeners
// hear a resync (JobEvent with seq 0): announcements made before it were missed, and they read
// what they missed from the job's stored log. From the resync on, every announcement is heard
// until the next resync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job_events.h"
#include "jobs/redis/redis_connection.h"

namespace polyvox::redis {

struct SubscriberOptions {
  ConnectionOptions connection;
  // A connection that says nothing for this long is PINGed; one that still says nothing after
  // as long again is taken for dead (a half-open TCP connection would otherwise only be noticed
  // when the kernel gives up on it, many minutes later, and announcements would be lost
  // unnoticed until then).
  int64_t quiet_ping_ms = 15'000;
};

class RedisEventSubscriber final : public JobEventFeed {
 public:
  RedisEventSubscriber(Endpoint endpoint, std::string key_prefix, SubscriberOptions options = {});
  ~RedisEventSubscriber() override;  // stop()s

  void listen(JobEventListener listener) override;

  // Starts the reading thread (idempotent), and stops it: the connection is aborted and the
  // thread joined. Thread-safe.
  void start();
  void stop();

  // Subscribed now (for metrics; a listener learns it from the resync).
  bool subscribed() const { return subscribed_; }

 private:
  void run();
  void announce(const JobEvent& event);

  const Endpoint endpoint_;
  const std::string channel_;
  const SubscriberOptions options_;
  std::mutex mutex_;  // guards listeners_, connection_, thread_
  std::vector<JobEventListener> listeners_;
  Connection* connection_ = nullptr;  // the live one, for stop() to abort
  std::thread thread_;
  std::condition_variable woken_;  // ends a backoff sleep at stop()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
};

// Parses an announcement ("<id>\n<owner>\n<seq>\n<JSON>"); nullopt when malformed. Pure.
std::optional<JobEvent> parse_announcement(const std::string& message);

}  // namespace polyvox::redis
