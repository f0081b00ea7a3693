#include "jobs/event_hub.h"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace polyvox {

class EventHub::State {
 public:
  void publish(const JobEvent& event) {
    std::shared_lock lock(mutex_);
    if (event.seq == 0) {  // resync: everyone
      for (const auto& [id, sub] : subscriptions_) sub.sink(event);
      return;
    }
    call(by_job_, event.job_id, event);
    call(by_owner_, event.owner, event);
    for (uint64_t id : everything_) subscriptions_.at(id).sink(event);
  }

  uint64_t subscribe(Filter filter, Sink sink) {
    std::unique_lock lock(mutex_);
    const uint64_t id = ++last_id_;
    if (!filter.job_id.empty()) {
      by_job_.emplace(filter.job_id, id);
    } else if (!filter.owner.empty()) {
      by_owner_.emplace(filter.owner, id);
    } else {
      everything_.push_back(id);
    }
    subscriptions_.emplace(id, Subscription{std::move(filter), std::move(sink)});
    return id;
  }

  void unsubscribe(uint64_t id) {
    std::unique_lock lock(mutex_);  // waits for every publish in progress
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return;
    const Filter& f = it->second.filter;
    if (!f.job_id.empty()) {
      erase(by_job_, f.job_id, id);
    } else if (!f.owner.empty()) {
      erase(by_owner_, f.owner, id);
    } else {
      std::erase(everything_, id);
    }
    subscriptions_.erase(it);
  }

  std::size_t size() const {
    std::shared_lock lock(mutex_);
    return subscriptions_.size();
  }

  void clear() {
    std::unique_lock lock(mutex_);
    subscriptions_.clear();
    by_job_.clear();
    by_owner_.clear();
    everything_.clear();
  }

 private:
  struct Subscription {
    Filter filter;
    Sink sink;
  };
  using Index = std::unordered_multimap<std::string, uint64_t>;

  void call(const Index& index, const std::string& key, const JobEvent& event) const {
    const auto [first, last] = index.equal_range(key);
    for (auto it = first; it != last; ++it) subscriptions_.at(it->second).sink(event);
  }
  static void erase(Index& index, const std::string& key, uint64_t id) {
    const auto [first, last] = index.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (it->second == id) {
        index.erase(it);
        return;
      }
    }
  }

  mutable std::shared_mutex mutex_;
  uint64_t last_id_ = 0;
  std::unordered_map<uint64_t, Subscription> subscriptions_;
  Index by_job_;
  Index by_owner_;
  std::vector<uint64_t> everything_;
};

EventHub::EventHub(JobEventFeed& feed) : state_(std::make_shared<State>()) {
  feed.listen([weak = std::weak_ptr<State>(state_)](const JobEvent& event) {
    if (auto state = weak.lock()) state->publish(event);
  });
}

EventHub::~EventHub() { state_->clear(); }

uint64_t EventHub::subscribe(Filter filter, Sink sink) {
  return state_->subscribe(std::move(filter), std::move(sink));
}

void EventHub::unsubscribe(uint64_t id) { state_->unsubscribe(id); }

std::size_t EventHub::subscriptions() const { return state_->size(); }

}  // namespace polyvox
