// Server-sent job events (api/event_stream.h): EventRenderer turns stored events into frames
// (sample counts into milliseconds, job_id and result_url added); JobEventStream holds what the
// hub announces until the route has read its opening, sends each seq of a job once and in order,
// ends with "retry: 0" at a gap or a resync (the client then resumes from the store), ends a
// single-job stream after the job's final event, and after close() delivers nothing more.
#include "api/event_stream.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/manifest.h"

namespace polyvox {
namespace {

using nlohmann::json;

constexpr int kRate = 24'000;
const char kBase[] = "http://api.example";

class ManualFeed final : public JobEventFeed {
 public:
  void listen(JobEventListener listener) override { listeners_.push_back(std::move(listener)); }
  void announce(const JobEvent& event) {
    for (const auto& listener : listeners_) listener(event);
  }

 private:
  std::vector<JobEventListener> listeners_;
};

JobEvent event(const std::string& job, int64_t seq, json body, const std::string& owner = "alice") {
  return JobEvent{job, owner, seq, body.dump()};
}
JobEvent processing(const std::string& job, int64_t seq, int index = 0) {
  return event(job, seq, {{"type", "block.processing"}, {"index", index}, {"attempt", 1}});
}
JobEvent completed(const std::string& job, int64_t seq) {
  return event(job, seq, {{"type", "job.completed"}, {"duration_samples", 48'000}});
}

// The frame of a block.processing event of block 0, attempt 1.
std::string processing_frame(const std::string& job, const std::string& id) {
  return "id: " + id + "\nevent: block.processing\ndata: {\"attempt\":1,\"index\":0,\"job_id\":\"" +
         job + "\"}\n\n";
}

// Reads a stream as the HTTP server does: asks for the next piece after each one, until the end.
class Reader {
 public:
  explicit Reader(LiveBody& body) : body_(body) { ask(); }

  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }
  int pieces() {
    std::lock_guard lock(mutex_);
    return pieces_;
  }

 private:
  void ask() {
    body_.next([this](LiveBody::Piece piece) {
      {
        std::lock_guard lock(mutex_);
        EXPECT_FALSE(ended_) << "a piece after the end";
        text_ += piece.bytes;
        ended_ = piece.end;
        ++pieces_;
      }
      if (!piece.end) ask();
    });
  }

  LiveBody& body_;
  std::mutex mutex_;
  std::string text_;
  bool ended_ = false;
  int pieces_ = 0;
};

class EventStreamTest : public ::testing::Test {
 protected:
  std::shared_ptr<JobEventStream> stream(EventHub::Filter filter) {
    return std::make_shared<JobEventStream>(hub_, std::move(filter), EventRenderer(kBase, kRate));
  }

  ManualFeed feed_;
  EventHub hub_{feed_};
};

// --- EventRenderer ---------------------------------------------------------------------------

TEST(EventRendererTest, TurnsSampleCountsIntoMillisecondsAndAddsTheJobId) {
  const EventRenderer renderer(kBase, kRate);
  bool terminal = true;
  auto frame = renderer.frame(event("job-1", 4,
                                    {{"type", "block.done"},
                                     {"index", 3},
                                     {"provider", "espeak"},
                                     {"voice", "en"},
                                     {"speech_samples", 36'000},
                                     {"pause_samples", 12'000},
                                     {"cached", true}}),
                              "4", &terminal);
  ASSERT_TRUE(frame);
  const std::string head = "id: 4\nevent: block.done\ndata: ";
  ASSERT_EQ(frame->substr(0, head.size()), head);
  ASSERT_EQ(frame->substr(frame->size() - 2), "\n\n");
  const json data = json::parse(frame->substr(head.size(), frame->size() - head.size() - 2));
  EXPECT_EQ(data, (json{{"job_id", "job-1"},
                        {"index", 3},
                        {"provider", "espeak"},
                        {"voice", "en"},
                        {"speech_ms", 1500},
                        {"pause_ms", 500},
                        {"cached", true}}));
  EXPECT_FALSE(terminal);
}

TEST(EventRendererTest, UsesTheJobsOwnRateWhenTheEventCarriesIt) {
  const EventRenderer renderer(kBase, 44100);
  auto frame = renderer.frame(event("job-2", 5,
                                    {{"type", "block.placed"},
                                     {"index", 1},
                                     {"offset_samples", 72'000},
                                     {"sample_rate", 48'000}}),
                              "5", nullptr);
  ASSERT_TRUE(frame);
  const std::string head = "id: 5\nevent: block.placed\ndata: ";
  const json data = json::parse(frame->substr(head.size(), frame->size() - head.size() - 2));
  EXPECT_EQ(data, (json{{"job_id", "job-2"}, {"index", 1}, {"offset_ms", 1500}}));
}

TEST(EventRendererTest, PlacedOffsetsAreInMilliseconds) {
  const EventRenderer renderer(kBase, kRate);
  auto frame = renderer.frame(
      event("job-1", 9, {{"type", "block.placed"}, {"index", 2}, {"offset_samples", 72'000}}), "9");
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame,
            "id: 9\nevent: block.placed\ndata: {\"index\":2,\"job_id\":\"job-1\","
            "\"offset_ms\":3000.0}\n\n");
}

TEST(EventRendererTest, TimesHaveTheManifestsThreeDecimals) {
  const EventRenderer renderer(kBase, 44'100);
  auto frame = renderer.frame(
      event("job-1", 3, {{"type", "block.placed"}, {"index", 1}, {"offset_samples", 44'123}}), "3");
  ASSERT_TRUE(frame);
  EXPECT_NE(frame->find("\"offset_ms\":1000.522"), std::string::npos) << *frame;
  EXPECT_DOUBLE_EQ(manifest_ms(44'123, 44'100), 1000.522);
}

TEST(EventRendererTest, ASampleCountThatIsNotAnIntegerIsZero) {
  const EventRenderer renderer(kBase, kRate);
  auto frame = renderer.frame(
      event("job-1", 3, {{"type", "block.placed"}, {"index", 1}, {"offset_samples", "many"}}), "3");
  ASSERT_TRUE(frame);
  EXPECT_NE(frame->find("\"offset_ms\":0"), std::string::npos) << *frame;
}

TEST(EventRendererTest, BytesThatAreNotUtf8AreReplacedNotFatal) {
  // As Redis's cjson writes a vendor's message it was given: the bytes as they are.
  const EventRenderer renderer(kBase, kRate);
  bool terminal = false;
  auto frame = renderer.frame(
      JobEvent{"job-1", "alice", 5, "{\"type\":\"job.failed\",\"error\":\"bad \xff\xfe bytes\"}"},
      "5", &terminal);
  ASSERT_TRUE(frame) << "the job's final event must reach the client";
  EXPECT_TRUE(terminal);
  EXPECT_NE(frame->find("\"error\":\"bad \uFFFD\uFFFD bytes\""), std::string::npos) << *frame;
}

TEST(EventRendererTest, CompletedCarriesDurationAndResultUrlAndEndsTheJob) {
  const EventRenderer renderer(kBase, kRate);
  bool terminal = false;
  auto frame = renderer.frame(completed("job-1", 12), "12", &terminal);
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame,
            "id: 12\nevent: job.completed\ndata: {\"duration_ms\":2000.0,\"job_id\":\"job-1\","
            "\"result_url\":\"http://api.example/result/job-1/audio\"}\n\n");
  EXPECT_TRUE(terminal);
}

TEST(EventRendererTest, FailedAndCancelledEndTheJobBlockEventsDoNot) {
  const EventRenderer renderer(kBase, kRate);
  const std::vector<std::pair<json, bool>> cases = {
      {{{"type", "job.failed"}, {"error", "block 1 failed: boom"}}, true},
      {{{"type", "job.cancelled"}}, true},
      {{{"type", "block.failed"}, {"index", 1}, {"reason", "boom"}}, false},
      {{{"type", "block.retrying"},
        {"index", 1},
        {"attempt", 1},
        {"delay_ms", 250},
        {"reason", "429"}},
       false},
      {{{"type", "block.processing"}, {"index", 0}, {"attempt", 2}}, false},
  };
  for (const auto& [body, ends] : cases) {
    bool terminal = !ends;
    auto frame = renderer.frame(event("job-1", 1, body), "1", &terminal);
    ASSERT_TRUE(frame) << body;
    EXPECT_EQ(terminal, ends) << body;
    EXPECT_NE(frame->find("event: " + body["type"].get<std::string>() + "\n"), std::string::npos);
    EXPECT_EQ(frame->find("result_url"), std::string::npos) << "only job.completed has one";
  }
}

TEST(EventRendererTest, RetryingKeepsItsMillisecondFieldsAsTheyAre) {
  const EventRenderer renderer(kBase, kRate);
  auto frame = renderer.frame(event("job-1", 2,
                                    {{"type", "block.retrying"},
                                     {"index", 0},
                                     {"attempt", 1},
                                     {"delay_ms", 1500},
                                     {"reason", "server said 503"}}),
                              "2");
  ASSERT_TRUE(frame);
  EXPECT_NE(frame->find("\"delay_ms\":1500"), std::string::npos) << *frame;
  EXPECT_NE(frame->find("\"reason\":\"server said 503\""), std::string::npos) << *frame;
}

TEST(EventRendererTest, BodiesThatAreNotEventsGiveNoFrame) {
  const EventRenderer renderer(kBase, kRate);
  for (const std::string body : {"", "not json", "[]", "42", "{}", R"({"type":7})",
                                 R"({"type":null})", R"({"index":1})", R"({"type":"block.done")"}) {
    EXPECT_FALSE(renderer.frame(JobEvent{"job-1", "alice", 1, body}, "1")) << body;
  }
}

TEST(EventRendererTest, SnapshotFrameCarriesTheStatusBody) {
  EXPECT_EQ(EventRenderer::snapshot_frame("7", R"({"job_id":"j","status":"processing"})"),
            "id: 7\nevent: snapshot\ndata: {\"job_id\":\"j\",\"status\":\"processing\"}\n\n");
}

// --- JobEventStream --------------------------------------------------------------------------

TEST_F(EventStreamTest, HoldsEventsUntilStartThenSendsThoseAfterTheOpening) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  feed_.announce(processing("job-1", 1));
  feed_.announce(processing("job-1", 2));
  feed_.announce(processing("job-1", 3));
  EXPECT_EQ(reader.text(), "") << "nothing before start()";
  s->start("OPENING\n\n", 2, false);  // the opening covered seqs 1 and 2
  EXPECT_EQ(reader.text(), "OPENING\n\n" + processing_frame("job-1", "3"));
  feed_.announce(processing("job-1", 4));
  EXPECT_EQ(reader.text(),
            "OPENING\n\n" + processing_frame("job-1", "3") + processing_frame("job-1", "4"));
  EXPECT_FALSE(reader.ended());
}

TEST_F(EventStreamTest, FramesWaitForTheClientToAskAndGoTogether) {
  auto s = stream({.job_id = "job-1"});
  s->start("", 0, false);
  feed_.announce(processing("job-1", 1));
  feed_.announce(processing("job-1", 2));
  Reader reader(*s);  // asks only now
  EXPECT_EQ(reader.text(), processing_frame("job-1", "1") + processing_frame("job-1", "2"));
  EXPECT_EQ(reader.pieces(), 1);
}

TEST_F(EventStreamTest, SendsEachSeqOnce) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  s->start("", 0, false);
  feed_.announce(processing("job-1", 1));
  feed_.announce(processing("job-1", 1));
  feed_.announce(processing("job-1", 2));
  feed_.announce(processing("job-1", 1));
  EXPECT_EQ(reader.text(), processing_frame("job-1", "1") + processing_frame("job-1", "2"));
  EXPECT_FALSE(reader.ended());
}

TEST_F(EventStreamTest, AGapEndsTheStreamWithRetryZero) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  s->start("", 0, false);
  feed_.announce(processing("job-1", 1));
  feed_.announce(processing("job-1", 3));  // 2 was missed
  feed_.announce(processing("job-1", 4));
  EXPECT_EQ(reader.text(), processing_frame("job-1", "1") + "retry: 0\n\n");
  EXPECT_TRUE(reader.ended());
}

TEST_F(EventStreamTest, AGapAmongTheHeldEventsEndsTheStreamAfterTheOpening) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  feed_.announce(processing("job-1", 4));
  s->start("OPENING\n\n", 2, false);
  EXPECT_EQ(reader.text(), "OPENING\n\nretry: 0\n\n");
  EXPECT_TRUE(reader.ended());
}

TEST_F(EventStreamTest, AResyncEndsEveryKindOfStreamWithRetryZero) {
  auto single = stream({.job_id = "job-1"});
  auto owner = stream({.owner = "alice"});
  auto all = stream({.all = true});
  Reader single_reader(*single);
  Reader owner_reader(*owner);
  Reader all_reader(*all);
  for (auto* s : {single.get(), owner.get(), all.get()}) s->start("", 0, false);
  feed_.announce(JobEvent{});
  for (Reader* reader : {&single_reader, &owner_reader, &all_reader}) {
    EXPECT_EQ(reader->text(), "retry: 0\n\n");
    EXPECT_TRUE(reader->ended());
  }
}

TEST_F(EventStreamTest, AResyncHeldBeforeStartEndsTheStreamAfterTheOpening) {
  auto s = stream({.owner = "alice"});
  Reader reader(*s);
  feed_.announce(JobEvent{});
  s->start("OPENING\n\n", 0, false);
  EXPECT_EQ(reader.text(), "OPENING\n\nretry: 0\n\n");
  EXPECT_TRUE(reader.ended());
}

TEST_F(EventStreamTest, TheJobsFinalEventEndsASingleJobStream) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  s->start("", 0, false);
  feed_.announce(processing("job-1", 1));
  feed_.announce(completed("job-1", 2));
  feed_.announce(processing("job-1", 3));  // nothing follows the end
  EXPECT_TRUE(reader.ended());
  const std::string text = reader.text();
  EXPECT_EQ(text.find("id: 2\nevent: job.completed\n"), processing_frame("job-1", "1").size())
      << text;
  EXPECT_EQ(text.find("id: 3"), std::string::npos);
}

TEST_F(EventStreamTest, AFinishedJobEndsAfterTheOpening) {
  auto s = stream({.job_id = "job-1"});
  feed_.announce(processing("job-1", 5));  // held, and dropped: the job is over
  s->start("SNAPSHOT\n\n", 4, true);
  Reader reader(*s);
  EXPECT_EQ(reader.text(), "SNAPSHOT\n\n");
  EXPECT_TRUE(reader.ended());
}

TEST_F(EventStreamTest, AnOwnerStreamNamesIdsByJobAndOutlivesAJobsEnd) {
  auto s = stream({.owner = "alice"});
  Reader reader(*s);
  s->start("", 0, false);
  feed_.announce(processing("job-1", 1));
  feed_.announce(completed("job-1", 2));
  feed_.announce(processing("job-2", 7));  // seqs of different jobs are not compared
  feed_.announce(processing("job-3", 1, 0));
  feed_.announce(event("job-9", 1, {{"type", "job.cancelled"}}, "bob"));  // not alice's
  EXPECT_FALSE(reader.ended());
  const std::string text = reader.text();
  EXPECT_EQ(text.find(processing_frame("job-1", "job-1/1")), 0u) << text;
  EXPECT_NE(text.find("id: job-1/2\nevent: job.completed\n"), std::string::npos) << text;
  EXPECT_NE(text.find(processing_frame("job-2", "job-2/7")), std::string::npos) << text;
  EXPECT_NE(text.find(processing_frame("job-3", "job-3/1")), std::string::npos) << text;
  EXPECT_EQ(text.find("job-9"), std::string::npos) << text;
}

TEST_F(EventStreamTest, EventsThatAreNotEventsAreSkippedWithoutEndingTheStream) {
  auto s = stream({.job_id = "job-1"});
  Reader reader(*s);
  s->start("", 0, false);
  feed_.announce(JobEvent{"job-1", "alice", 1, "garbage"});
  feed_.announce(processing("job-1", 2));
  EXPECT_EQ(reader.text(), processing_frame("job-1", "2"));
  EXPECT_FALSE(reader.ended());
}

TEST_F(EventStreamTest, AClientTooFarBehindIsToldToResume) {
  auto s = stream({.job_id = "job-1"});
  s->start("", 0, false);
  const auto limit = static_cast<int64_t>(JobEventStream::kMaxQueuedFrames);
  for (int64_t seq = 1; seq <= limit + 1; ++seq) feed_.announce(processing("job-1", seq));
  Reader reader(*s);  // the client asks only now
  const std::string text = reader.text();
  EXPECT_TRUE(reader.ended());
  EXPECT_EQ(text.substr(text.size() - 10), "retry: 0\n\n");
  EXPECT_NE(text.find(processing_frame("job-1", std::to_string(limit))), std::string::npos);
  EXPECT_EQ(text.find("id: " + std::to_string(limit + 1) + "\n"), std::string::npos);
}

TEST_F(EventStreamTest, HeartbeatAndFarewellAreSseLines) {
  auto s = stream({.job_id = "job-1"});
  EXPECT_EQ(s->heartbeat_interval(), std::chrono::milliseconds(15'000));
  EXPECT_EQ(s->heartbeat(), ": keep-alive\n\n");  // a comment: clients ignore it
  EXPECT_TRUE(s->ends_at_shutdown());
  EXPECT_EQ(s->farewell(), "retry: 1000\n\n");
}

TEST_F(EventStreamTest, CloseStopsDeliveriesAndUnsubscribes) {
  auto s = stream({.job_id = "job-1"});
  EXPECT_EQ(hub_.subscriptions(), 1u);
  s->start("", 0, false);
  int delivered = 0;
  s->next([&](LiveBody::Piece) { ++delivered; });
  s->close();
  EXPECT_EQ(hub_.subscriptions(), 0u);
  feed_.announce(processing("job-1", 1));
  s->next([&](LiveBody::Piece) { ++delivered; });  // asking after close() gets nothing
  EXPECT_EQ(delivered, 0);
  s->close();  // twice: harmless
}

TEST_F(EventStreamTest, DestroyingTheStreamUnsubscribes) {
  { auto s = stream({.all = true}); }
  EXPECT_EQ(hub_.subscriptions(), 0u);
  feed_.announce(processing("job-1", 1));  // reaches no dead stream
}

}  // namespace
}  // namespace polyvox
