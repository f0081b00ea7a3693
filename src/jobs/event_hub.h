// Fans the job events this node hears (a JobEventFeed) out to the streams open on it: each
// subscription names one job, one owner (all of their jobs) or everything. Delivery is a quick
// call of the subscription's sink on the feed's thread; a resync (seq 0) goes to every sink.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "jobs/job_events.h"

namespace polyvox {

class EventHub {
 public:
  struct Filter {
    std::string job_id;  // this job's events, or
    std::string owner;   // this owner's (when job_id is empty), or
    bool all = false;    // every event (when both are empty)
  };
  using Sink = std::function<void(const JobEvent&)>;  // quick; must not call the hub

  // Listens to `feed` from now on. The hub may go before the feed: it then hears nothing more.
  explicit EventHub(JobEventFeed& feed);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Calls `sink` with every matching event announced from now on, until unsubscribe(). Returns
  // the subscription's id. Thread-safe.
  uint64_t subscribe(Filter filter, Sink sink);

  // Ends subscription `id`: when this returns, its sink is not running and is never called
  // again. Thread-safe; not from inside a sink.
  void unsubscribe(uint64_t id);

  // Open subscriptions (metrics, tests). Thread-safe.
  std::size_t subscriptions() const;

 private:
  class State;
  std::shared_ptr<State> state_;
};

}  // namespace polyvox
