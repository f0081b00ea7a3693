// EventHub: each subscription hears the events of its job, of its owner or of everything, a
// resync reaches every subscription, and unsubscribe() returns only once a delivery in progress
// to that subscription has finished (after which it is never called again).
#include "jobs/event_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace polyvox {
namespace {

using namespace std::chrono_literals;

// A feed the test announces on, from whichever thread it likes.
class ManualFeed final : public JobEventFeed {
 public:
  void listen(JobEventListener listener) override {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(listener));
  }
  void announce(const JobEvent& event) {
    std::vector<JobEventListener> listeners;
    {
      std::lock_guard lock(mutex_);
      listeners = listeners_;
    }
    for (const auto& listener : listeners) listener(event);
  }

 private:
  std::mutex mutex_;
  std::vector<JobEventListener> listeners_;
};

JobEvent event_of(const std::string& job, const std::string& owner, int64_t seq) {
  return JobEvent{job, owner, seq, R"({"type":"job.cancelled"})"};
}

// What one subscription heard, as "<job>/<seq>".
struct Heard {
  std::mutex mutex;
  std::vector<std::string> events;

  EventHub::Sink sink() {
    return [this](const JobEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e.job_id + "/" + std::to_string(e.seq));
    };
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mutex);
    return std::move(events);
  }
};

class EventHubTest : public ::testing::Test {
 protected:
  ManualFeed feed_;
  EventHub hub_{feed_};
};

TEST_F(EventHubTest, AJobSubscriptionHearsThatJobOnly) {
  Heard heard;
  hub_.subscribe({.job_id = "job-a"}, heard.sink());
  feed_.announce(event_of("job-a", "alice", 1));
  feed_.announce(event_of("job-b", "alice", 1));
  feed_.announce(event_of("job-a", "alice", 2));
  EXPECT_EQ(heard.take(), (std::vector<std::string>{"job-a/1", "job-a/2"}));
}

TEST_F(EventHubTest, AnOwnerSubscriptionHearsEveryJobOfThatOwnerOnly) {
  Heard alice;
  Heard bob;
  hub_.subscribe({.owner = "alice"}, alice.sink());
  hub_.subscribe({.owner = "bob"}, bob.sink());
  feed_.announce(event_of("job-a", "alice", 1));
  feed_.announce(event_of("job-b", "bob", 1));
  feed_.announce(event_of("job-c", "alice", 7));
  EXPECT_EQ(alice.take(), (std::vector<std::string>{"job-a/1", "job-c/7"}));
  EXPECT_EQ(bob.take(), (std::vector<std::string>{"job-b/1"}));
}

TEST_F(EventHubTest, AnEverythingSubscriptionHearsAllJobsOfAllOwners) {
  Heard all;
  Heard alice;
  hub_.subscribe({.all = true}, all.sink());
  hub_.subscribe({.owner = "alice"}, alice.sink());
  feed_.announce(event_of("job-a", "alice", 1));
  feed_.announce(event_of("job-b", "bob", 1));
  EXPECT_EQ(all.take(), (std::vector<std::string>{"job-a/1", "job-b/1"}));
  EXPECT_EQ(alice.take(), (std::vector<std::string>{"job-a/1"}));
}

TEST_F(EventHubTest, SeveralSubscriptionsOfOneJobEachHearIt) {
  Heard first;
  Heard second;
  hub_.subscribe({.job_id = "job-a"}, first.sink());
  hub_.subscribe({.job_id = "job-a"}, second.sink());
  feed_.announce(event_of("job-a", "alice", 1));
  EXPECT_EQ(first.take(), (std::vector<std::string>{"job-a/1"}));
  EXPECT_EQ(second.take(), (std::vector<std::string>{"job-a/1"}));
}

TEST_F(EventHubTest, AResyncReachesEverySubscription) {
  Heard job;
  Heard owner;
  Heard all;
  hub_.subscribe({.job_id = "job-a"}, job.sink());
  hub_.subscribe({.owner = "alice"}, owner.sink());
  hub_.subscribe({.all = true}, all.sink());
  feed_.announce(JobEvent{});  // seq 0, no job, no owner
  EXPECT_EQ(job.take(), (std::vector<std::string>{"/0"}));
  EXPECT_EQ(owner.take(), (std::vector<std::string>{"/0"}));
  EXPECT_EQ(all.take(), (std::vector<std::string>{"/0"}));
}

TEST_F(EventHubTest, UnsubscribedSinksHearNothingMore) {
  Heard kept;
  Heard gone_job;
  Heard gone_owner;
  Heard gone_all;
  hub_.subscribe({.job_id = "job-a"}, kept.sink());
  const uint64_t job = hub_.subscribe({.job_id = "job-a"}, gone_job.sink());
  const uint64_t owner = hub_.subscribe({.owner = "alice"}, gone_owner.sink());
  const uint64_t all = hub_.subscribe({.all = true}, gone_all.sink());
  EXPECT_EQ(hub_.subscriptions(), 4u);
  hub_.unsubscribe(job);
  hub_.unsubscribe(owner);
  hub_.unsubscribe(all);
  hub_.unsubscribe(all);    // twice: harmless
  hub_.unsubscribe(12345);  // never given out: harmless
  EXPECT_EQ(hub_.subscriptions(), 1u);
  feed_.announce(event_of("job-a", "alice", 1));
  feed_.announce(JobEvent{});
  EXPECT_EQ(kept.take(), (std::vector<std::string>{"job-a/1", "/0"}));
  EXPECT_TRUE(gone_job.take().empty());
  EXPECT_TRUE(gone_owner.take().empty());
  EXPECT_TRUE(gone_all.take().empty());
}

TEST_F(EventHubTest, UnsubscribeWaitsForADeliveryInProgress) {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  std::atomic<bool> sink_returned{false};
  std::atomic<int> calls{0};
  const uint64_t id = hub_.subscribe({.job_id = "job-a"}, [&](const JobEvent&) {
    ++calls;
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
    sink_returned = true;
  });
  std::thread publisher([&] { feed_.announce(event_of("job-a", "alice", 1)); });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return entered; }));
  }

  // The sink is running: unsubscribe() must not return until it has.
  std::promise<bool> sink_done_at_return;
  auto returned = sink_done_at_return.get_future();
  std::thread unsubscriber([&] {
    hub_.unsubscribe(id);
    sink_done_at_return.set_value(sink_returned.load());
  });
  EXPECT_EQ(returned.wait_for(200ms), std::future_status::timeout)
      << "unsubscribe returned while its sink was running";
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  ASSERT_EQ(returned.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(returned.get());
  publisher.join();
  unsubscriber.join();

  feed_.announce(event_of("job-a", "alice", 2));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(hub_.subscriptions(), 0u);
}

TEST(EventHubLifetimeTest, AHubGoneBeforeItsFeedHearsNothingMore) {
  ManualFeed feed;
  Heard heard;
  {
    EventHub hub(feed);
    hub.subscribe({.all = true}, heard.sink());
    feed.announce(event_of("job-a", "alice", 1));
  }
  feed.announce(event_of("job-a", "alice", 2));  // must not touch the hub that is gone
  EXPECT_EQ(heard.take(), (std::vector<std::string>{"job-a/1"}));
}

}  // namespace
}  // namespace polyvox
