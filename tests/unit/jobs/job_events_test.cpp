// Every backend's job event log (jobs/job_events.h): what claims, retries, completions (with
// block.placed in index order and offsets that add up the earlier blocks' samples, whatever
// order the blocks finish in), failures, cancellation and assembly append; seqs 1, 2, 3...
// without gaps; reading the log in pages; delete_job removing it; and the backend's feed
// announcing each event once, in seq order, as the log has it (SQLite: the store's
// EventAnnouncer; Redis: a RedisEventSubscriber on the real server).
#include <sqlite3.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/event_stream.h"
#include "jobs/redis/redis_event_subscriber.h"
#include "support/event_recorder.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::EventRecorder;
using test_support::make_job;
using test_support::result_for;
using test_support::shared_redis_server;

class JobEventsTest : public test_support::StoreTest {
 protected:
  // The whole log of job `id`, checked to be numbered 1..last_seq without a gap.
  std::vector<json> log_of(const std::string& id) {
    auto log = jobs_->job_events(id, 0, 100'000);
    EXPECT_TRUE(log.ok()) << log.error().message;
    if (!log.ok()) return {};
    EXPECT_EQ(log->last_seq, static_cast<int64_t>(log->events.size()));
    std::vector<json> bodies;
    for (const JobEvent& event : log->events) {
      EXPECT_EQ(event.seq, static_cast<int64_t>(bodies.size()) + 1) << "seqs are 1, 2, 3...";
      EXPECT_EQ(event.job_id, id);
      EXPECT_EQ(event.owner, log->owner);
      json body = json::parse(event.body, nullptr, false);
      EXPECT_TRUE(body.is_object()) << event.body;
      // When it happened, on the store's clock (a test clock that the tests move); the rest of
      // the body is compared by the tests.
      EXPECT_TRUE(body.is_object() && body.contains("at_ms") && body["at_ms"].is_number_integer() &&
                  body["at_ms"].get<int64_t>() <= clock_.now_ms())
          << event.body;
      if (body.is_object()) body.erase("at_ms");
      bodies.push_back(std::move(body));
    }
    return bodies;
  }

  // The types of job `id`'s events, in order.
  std::vector<std::string> types_of(const std::string& id) {
    std::vector<std::string> types;
    for (const json& body : log_of(id)) types.push_back(body.value("type", "?"));
    return types;
  }

  // Starts hearing this backend's announcements into `recorder`; true once it does.
  bool listen(EventRecorder& recorder) {
    if (!is_redis()) {
      auto* store = dynamic_cast<sqlite::SqliteJobStore*>(jobs_);
      if (store == nullptr) return false;
      store->event_feed().listen(recorder.listener());
      return true;
    }
    auto endpoint = redis::parse_redis_url(shared_redis_server().url());
    if (!endpoint.ok()) return false;
    subscriber_ = std::make_unique<redis::RedisEventSubscriber>(*endpoint, redis_prefix_);
    subscriber_->listen(recorder.listener());
    subscriber_->start();
    // Subscribed once the resync that opens every subscription is heard.
    if (!recorder.wait_for(1) || recorder.events()[0].seq != 0) return false;
    resyncs_heard_ = 1;
    return true;
  }

  // The announcements of job events (not resyncs) heard so far, by job.
  std::map<std::string, std::vector<JobEvent>> announced(EventRecorder& recorder) {
    std::map<std::string, std::vector<JobEvent>> by_job;
    for (const JobEvent& event : recorder.events()) {
      if (event.seq != 0) by_job[event.job_id].push_back(event);
    }
    return by_job;
  }

  // Checks that job `id`'s announcements are its log, each event once, in seq order.
  void expect_announced_as_logged(const std::vector<JobEvent>& heard, const std::string& id) {
    auto log = jobs_->job_events(id, 0, 100'000);
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_EQ(heard.size(), log->events.size()) << id;
    for (std::size_t i = 0; i < heard.size(); ++i) {
      EXPECT_EQ(heard[i].seq, log->events[i].seq) << id << " #" << i;
      EXPECT_EQ(heard[i].owner, log->owner) << id << " #" << i;
      EXPECT_EQ(json::parse(heard[i].body, nullptr, false),
                json::parse(log->events[i].body, nullptr, false))
          << id << " #" << i;
    }
  }

  // Claims and completes every block of the one job in the queue, in index order.
  void complete_blocks_in_order(std::size_t blocks) {
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < blocks; ++i) tasks.push_back(claim());
    for (const Task& task : tasks) ASSERT_EQ(complete(task), ReportOutcome::kAccepted);
  }

  void assemble(const std::string& id) {
    const Task task = claim();
    ASSERT_EQ(task.kind, TaskKind::kAssemble);
    ASSERT_EQ(task.job_id, id);
    auto done = queue_->complete_assembly(task, {"results/" + id + ".mp3", "{}", 1234});
    ASSERT_TRUE(done.ok() && *done == ReportOutcome::kAccepted);
  }

  std::unique_ptr<redis::RedisEventSubscriber> subscriber_;
  std::size_t resyncs_heard_ = 0;
};
POLYVOX_ON_EVERY_BACKEND(JobEventsTest);

// result_for(): block i speaks 1000 + i samples and pauses 50.
int64_t samples_of(std::size_t index) { return 1000 + static_cast<int64_t>(index) + 50; }

TEST_P(JobEventsTest, ANewJobHasAnEmptyLog) {
  const NewJob job = make_job("alice", 2);
  create(job);
  auto log = jobs_->job_events(job.id, 0, 100);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_EQ(log->owner, "alice");
  EXPECT_EQ(log->last_seq, 0);
  EXPECT_TRUE(log->events.empty());
}

TEST_P(JobEventsTest, AnUnknownJobHasNoLog) {
  auto log = jobs_->job_events("00000000-0000-4000-8000-000000000000", 0, 100);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().kind, ErrorKind::kNotFound);
}

TEST_P(JobEventsTest, AClaimAppendsBlockProcessingWithItsAttempt) {
  const NewJob job = make_job("alice", 2);
  create(job);
  claim();
  claim();
  EXPECT_EQ(log_of(job.id),
            (std::vector<json>{{{"type", "block.processing"}, {"index", 0}, {"attempt", 1}},
                               {{"type", "block.processing"}, {"index", 1}, {"attempt", 1}}}));
  EXPECT_EQ(jobs_->job_events(job.id, 0, 100)->owner, "alice");
}

TEST_P(JobEventsTest, ARetryAppendsBlockRetryingThenTheNextClaimItsAttempt) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task first = claim();
  ASSERT_EQ(fail(first, "vendor said 503", clock_.now_ms() + 1500), ReportOutcome::kAccepted);
  clock_.advance_ms(1500);
  const Task second = claim();
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(log_of(job.id), (std::vector<json>{
                                {{"type", "block.processing"}, {"index", 0}, {"attempt", 1}},
                                {{"type", "block.retrying"},
                                 {"index", 0},
                                 {"attempt", 1},
                                 {"delay_ms", 1500},
                                 {"reason", "vendor said 503"}},
                                {{"type", "block.processing"}, {"index", 0}, {"attempt", 2}},
                            }));
}

TEST_P(JobEventsTest, ARetryDueInThePastHasNoDelay) {
  const NewJob job = make_job("alice", 1);
  create(job);
  ASSERT_EQ(fail(claim(), "flaky", clock_.now_ms() - 10), ReportOutcome::kAccepted);
  EXPECT_EQ(log_of(job.id).back().at("delay_ms"), 0);
}

TEST_P(JobEventsTest, CompletionsInIndexOrderPlaceEachBlockAtTheSumOfThoseBefore) {
  const NewJob job = make_job("alice", 3);
  create(job);
  complete_blocks_in_order(3);
  assemble(job.id);
  const auto done = [](std::size_t i) {
    return json{{"type", "block.done"},
                {"index", i},
                {"provider", "espeak"},
                {"voice", "en"},
                {"speech_samples", 1000 + i},
                {"pause_samples", 50},
                {"cached", false}};
  };
  const auto placed = [](std::size_t i, int64_t offset) {
    return json{{"type", "block.placed"}, {"index", i}, {"offset_samples", offset}};
  };
  const std::vector<json> log = log_of(job.id);
  ASSERT_EQ(log.size(), 10u);
  EXPECT_EQ(std::vector<json>(log.begin() + 3, log.end()),
            (std::vector<json>{
                done(0),
                placed(0, 0),
                done(1),
                placed(1, samples_of(0)),
                done(2),
                placed(2, samples_of(0) + samples_of(1)),
                {{"type", "job.completed"},
                 {"duration_samples", samples_of(0) + samples_of(1) + samples_of(2)}},
            }));
}

TEST_P(JobEventsTest, BlocksFinishingOutOfOrderArePlacedInIndexOrderOnceTheGapCloses) {
  const NewJob job = make_job("alice", 4);
  create(job);
  std::vector<Task> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(claim());
  for (std::size_t i : {2, 0, 3, 1}) ASSERT_EQ(complete(tasks[i]), ReportOutcome::kAccepted);
  assemble(job.id);

  std::vector<std::string> steps;  // "done 2", "placed 0 at 0", ...
  for (const json& body : log_of(job.id)) {
    const std::string type = body.value("type", "");
    const std::string index = std::to_string(body.value("index", -1));
    if (type == "block.done") steps.push_back("done " + index);
    if (type == "block.placed") {
      steps.push_back("placed " + index + " at " +
                      std::to_string(body.value("offset_samples", int64_t{-1})));
    }
  }
  const int64_t a = samples_of(0);
  const int64_t b = a + samples_of(1);
  const int64_t c = b + samples_of(2);
  EXPECT_EQ(steps, (std::vector<std::string>{"done 2", "done 0", "placed 0 at 0", "done 3",
                                             "done 1", "placed 1 at " + std::to_string(a),
                                             "placed 2 at " + std::to_string(b),
                                             "placed 3 at " + std::to_string(c)}));
  EXPECT_EQ(log_of(job.id).back(),
            (json{{"type", "job.completed"}, {"duration_samples", c + samples_of(3)}}));
}

TEST_P(JobEventsTest, ACachedAnswerOfTheSpeakingProviderIsMarkedCached) {
  const NewJob job = make_job("alice", 2);
  create(job);
  const Task first = claim();
  const Task second = claim();
  BlockResult cached = result_for(first);
  cached.usage = {ProviderUsage{.provider = "espeak", .cache_hits = 1}};
  BlockResult other_cached = result_for(second);  // a fallback's cache hit does not count
  other_cached.usage = {ProviderUsage{.provider = "flite", .cache_hits = 1},
                        ProviderUsage{.provider = "espeak", .calls = 1}};
  ASSERT_TRUE(queue_->complete_block(first, cached).ok());
  ASSERT_TRUE(queue_->complete_block(second, other_cached).ok());
  std::vector<bool> flags;
  for (const json& body : log_of(job.id)) {
    if (body.at("type") == "block.done") flags.push_back(body.at("cached").get<bool>());
  }
  EXPECT_EQ(flags, (std::vector<bool>{true, false}));
}

TEST_P(JobEventsTest, ReportsThatChangeNothingAppendNothing) {
  const NewJob job = make_job("alice", 1);
  create(job);
  const Task stale = claim("worker-1", 1000);
  clock_.advance_ms(1001);
  const Task current = claim("worker-2");  // the lease expired: attempt 2
  ASSERT_EQ(current.block_index, stale.block_index);
  ASSERT_EQ(complete(current), ReportOutcome::kAccepted);
  const std::size_t before = log_of(job.id).size();

  EXPECT_EQ(complete(current), ReportOutcome::kDuplicate);
  EXPECT_EQ(complete(stale), ReportOutcome::kRefused);
  EXPECT_EQ(fail(stale, "too late", clock_.now_ms()), ReportOutcome::kRefused);
  EXPECT_EQ(log_of(job.id).size(), before);
}

TEST_P(JobEventsTest, AFinalFailureAppendsBlockFailedThenJobFailed) {
  const NewJob job = make_job("alice", 3);
  create(job);
  claim();
  const Task second = claim();
  ASSERT_EQ(fail(second, "quota exceeded"), ReportOutcome::kAccepted);
  const std::vector<json> log = log_of(job.id);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[2], (json{{"type", "block.failed"}, {"index", 1}, {"reason", "quota exceeded"}}));
  EXPECT_EQ(log[3], (json{{"type", "job.failed"}, {"error", get(job.id).error}}));
  EXPECT_EQ(log[3].at("error"), "block 1 failed: quota exceeded");
}

TEST_P(JobEventsTest, APoisonTaskFailsItsJobWithEvents) {
  reopen(/*max_claims=*/1);
  const NewJob job = make_job("alice", 1);
  create(job);
  claim("worker-1", 1000);
  clock_.advance_ms(1001);
  EXPECT_TRUE(nothing_due());  // the second claim gives up on it
  const std::vector<json> log = log_of(job.id);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].at("type"), "block.failed");
  EXPECT_EQ(log[1].at("index"), 0);
  EXPECT_EQ(log[1].at("reason").get<std::string>().rfind("gave up after 1 claims", 0), 0u)
      << log[1];
  EXPECT_EQ(log[2], (json{{"type", "job.failed"}, {"error", get(job.id).error}}));
}

TEST_P(JobEventsTest, AFailedAssemblyAppendsJobFailedOnly) {
  const NewJob job = make_job("alice", 1);
  create(job);
  complete_blocks_in_order(1);
  const Task assembly = claim();
  ASSERT_EQ(assembly.kind, TaskKind::kAssemble);
  ASSERT_EQ(fail(assembly, "disk full"), ReportOutcome::kAccepted);
  EXPECT_EQ(types_of(job.id), (std::vector<std::string>{"block.processing", "block.done",
                                                        "block.placed", "job.failed"}));
  EXPECT_EQ(log_of(job.id).back().at("error"), "assembly failed: disk full");
}

TEST_P(JobEventsTest, CancellingAppendsJobCancelledOnce) {
  const NewJob job = make_job("alice", 2);
  create(job);
  claim();
  ASSERT_TRUE(jobs_->cancel_job(job.id).ok());
  ASSERT_TRUE(jobs_->cancel_job(job.id).ok());  // already cancelled: nothing happens
  EXPECT_EQ(types_of(job.id), (std::vector<std::string>{"block.processing", "job.cancelled"}));
}

TEST_P(JobEventsTest, AFinishedJobIsNotCancelledAndAppendsNothing) {
  const NewJob job = make_job("alice", 1);
  create(job);
  run_every_due_task();
  const std::size_t before = log_of(job.id).size();
  ASSERT_TRUE(jobs_->cancel_job(job.id).ok());
  EXPECT_EQ(log_of(job.id).size(), before);
  EXPECT_EQ(types_of(job.id).back(), "job.completed");
}

TEST_P(JobEventsTest, ErrorsThatAreNotUtf8StillMakeEventsTheApiSends) {
  const NewJob job = make_job("alice", 1);
  create(job);
  ASSERT_EQ(fail(claim(), "vendor sent \xff\xfe bytes"), ReportOutcome::kAccepted);
  auto log = jobs_->job_events(job.id, 0, 100);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->events.size(), 3u);
  // A stream that could not render the final event would never end.
  const EventRenderer renderer("http://localhost", 24'000);
  bool terminal = false;
  auto failed = renderer.frame(log->events[1], "2");
  ASSERT_TRUE(failed) << log->events[1].body;
  EXPECT_NE(failed->find("\"reason\":\"vendor sent \uFFFD\uFFFD bytes\""), std::string::npos)
      << *failed;
  ASSERT_TRUE(renderer.frame(log->events[2], "3", &terminal)) << log->events[2].body;
  EXPECT_TRUE(terminal);
}

TEST_P(JobEventsTest, TheLogIsReadInPages) {
  const NewJob job = make_job("alice", 3);
  create(job);
  run_every_due_task();  // 3 processing, 3 done, 3 placed, completed: 10 events
  const std::vector<json> all = log_of(job.id);
  ASSERT_EQ(all.size(), 10u);

  auto page = jobs_->job_events(job.id, 2, 3);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->last_seq, 10);
  ASSERT_EQ(page->events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(page->events[i].seq, static_cast<int64_t>(3 + i));
    json body = json::parse(page->events[i].body);
    body.erase("at_ms");  // log_of() checked it
    EXPECT_EQ(body, all[2 + i]);
  }
  auto tail = jobs_->job_events(job.id, 8, 100);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->events.size(), 2u);
  EXPECT_EQ(tail->events[0].seq, 9);
  EXPECT_EQ(tail->events[1].seq, 10);

  auto latest_only = jobs_->job_events(job.id, 0, 0);
  ASSERT_TRUE(latest_only.ok());
  EXPECT_EQ(latest_only->last_seq, 10);
  EXPECT_EQ(latest_only->owner, "alice");
  EXPECT_TRUE(latest_only->events.empty());

  for (int64_t after : {int64_t{10}, int64_t{11}, int64_t{1'000'000}}) {
    auto past_the_end = jobs_->job_events(job.id, after, 100);
    ASSERT_TRUE(past_the_end.ok());
    EXPECT_EQ(past_the_end->last_seq, 10);
    EXPECT_TRUE(past_the_end->events.empty()) << after;
  }
  auto from_before_the_start = jobs_->job_events(job.id, -5, 2);
  ASSERT_TRUE(from_before_the_start.ok());
  ASSERT_EQ(from_before_the_start->events.size(), 2u);
  EXPECT_EQ(from_before_the_start->events[0].seq, 1);
}

TEST_P(JobEventsTest, DeletingAJobDeletesItsLog) {
  const NewJob job = make_job("alice", 2);
  create(job);
  run_every_due_task();
  ASSERT_FALSE(log_of(job.id).empty());
  ASSERT_TRUE(jobs_->delete_job(job.id).ok());

  auto log = jobs_->job_events(job.id, 0, 100);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().kind, ErrorKind::kNotFound);
  // Nothing of it is left in the store.
  if (is_redis()) {
    EXPECT_EQ(
        shared_redis_server().command({"EXISTS", redis_prefix_ + "job:" + job.id + ":events"}),
        "0");
  } else {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir_ / "polyvox.db").c_str(), &raw, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT count(*) FROM job_events", -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(stmt, 0), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
  }
}

TEST_P(JobEventsTest, TheFeedAnnouncesEachEventOnceInSeqOrder) {
  EventRecorder recorder;
  ASSERT_TRUE(listen(recorder));
  const NewJob alices = make_job("alice", 3);
  const NewJob bobs = make_job("bob", 2);
  create(alices);
  create(bobs);
  // Alice's job: a retry, then every block and the assembly; Bob's: a failure.
  std::vector<Task> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(claim());
  for (const Task& task : tasks) {
    if (task.job_id == bobs.id && task.block_index == 1) {
      ASSERT_EQ(fail(task, "quota exceeded"), ReportOutcome::kAccepted);
    } else if (task.job_id == alices.id && task.block_index == 0) {
      ASSERT_EQ(fail(task, "rate limited", clock_.now_ms()), ReportOutcome::kAccepted);
    } else {
      complete(task);  // Bob's first block may come after his job failed: refused
    }
  }
  run_every_due_task();
  ASSERT_EQ(get(alices.id).status, JobStatus::kCompleted);
  ASSERT_EQ(get(bobs.id).status, JobStatus::kFailed);

  const std::size_t logged = log_of(alices.id).size() + log_of(bobs.id).size();
  ASSERT_TRUE(recorder.wait_for(resyncs_heard_ + logged))
      << "heard " << recorder.size() << " of " << resyncs_heard_ + logged;
  auto heard = announced(recorder);
  EXPECT_EQ(heard.size(), 2u);
  expect_announced_as_logged(heard[alices.id], alices.id);
  expect_announced_as_logged(heard[bobs.id], bobs.id);
  for (const JobEvent& event : heard[bobs.id]) EXPECT_EQ(event.owner, "bob");
}

TEST_P(JobEventsTest, ConcurrentWorkersStillAnnounceEachJobsEventsInSeqOrder) {
  EventRecorder recorder;
  ASSERT_TRUE(listen(recorder));
  std::vector<std::string> ids;
  for (int j = 0; j < 3; ++j) {
    const NewJob job = make_job("user-" + std::to_string(j), 6);
    create(job);
    ids.push_back(job.id);
  }
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([this, w] {
      const std::string name = "worker-" + std::to_string(w);
      for (;;) {
        auto task = queue_->claim(name, kLeaseMs, 0);
        ASSERT_TRUE(task.ok()) << task.error().message;
        if (!task->has_value()) return;
        const Task& t = **task;
        if (t.kind == TaskKind::kBlock) {
          ASSERT_EQ(queue_->complete_block(t, result_for(t))->outcome, ReportOutcome::kAccepted);
        } else {
          auto done = queue_->complete_assembly(t, {"results/" + t.job_id + ".mp3", "{}", 1});
          ASSERT_TRUE(done.ok() && *done == ReportOutcome::kAccepted);
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  run_every_due_task();  // an assembly enqueued after a worker found the queue empty

  std::size_t logged = 0;
  for (const std::string& id : ids) {
    ASSERT_EQ(get(id).status, JobStatus::kCompleted);
    logged += log_of(id).size();
  }
  EXPECT_EQ(logged, 3u * (6 * 3 + 1));
  ASSERT_TRUE(recorder.wait_for(resyncs_heard_ + logged))
      << "heard " << recorder.size() << " of " << resyncs_heard_ + logged;
  auto heard = announced(recorder);
  for (const std::string& id : ids) expect_announced_as_logged(heard[id], id);
}

}  // namespace
}  // namespace polyvox
