#include "http/sse_parser.h"

#include <gtest/gtest.h>

namespace polyvox::http {
namespace {

std::vector<SseEvent> parse_all(SseParser& parser, std::string_view stream) {
  std::vector<SseEvent> events;
  Status s = parser.feed(stream, &events);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return events;
}

std::vector<SseEvent> parse_all(std::string_view stream) {
  SseParser parser;
  return parse_all(parser, stream);
}

// Feeds `stream` one byte at a time.
std::vector<SseEvent> parse_bytewise(SseParser& parser, std::string_view stream) {
  std::vector<SseEvent> events;
  for (char c : stream) {
    Status s = parser.feed(std::string_view(&c, 1), &events);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  return events;
}

TEST(SseParserTest, ParsesTheServersFrames) {
  SseParser parser;
  auto events = parse_all(parser,
                          "id: 7\nevent: block.done\ndata: {\"index\":2}\n\n"
                          "id: 8\nevent: job.completed\ndata: {\"duration_ms\":10}\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "block.done");
  EXPECT_EQ(events[0].data, "{\"index\":2}");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[1].type, "job.completed");
  EXPECT_EQ(events[1].id, "8");
  EXPECT_EQ(parser.last_event_id(), "8");
  EXPECT_EQ(parser.retry_ms(), std::nullopt);
}

TEST(SseParserTest, JoinsDataLinesWithLineFeeds) {
  auto events = parse_all("data: first\ndata: second\ndata\ndata:  two spaces\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "first\nsecond\n\n two spaces");  // only one space is dropped
  EXPECT_EQ(events[0].type, "message");
}

TEST(SseParserTest, AcceptsCrLfLfAndCrLineEndsMixed) {
  const std::string stream =
      "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n";
  for (bool bytewise : {false, true}) {
    SseParser parser;
    auto events = bytewise ? parse_bytewise(parser, stream) : parse_all(parser, stream);
    ASSERT_EQ(events.size(), 3u) << "bytewise " << bytewise;
    EXPECT_EQ(events[0].type + events[0].data, "a1");
    EXPECT_EQ(events[1].type + events[1].data, "b2");
    EXPECT_EQ(events[2].type + events[2].data, "c3");
  }
}

TEST(SseParserTest, ACrAtTheEndOfOneChunkAndAnLfAtTheStartOfTheNextAreOneLineEnd) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: x\r", &events).ok());
  ASSERT_TRUE(parser.feed("\ndata: y\r", &events).ok());
  EXPECT_TRUE(events.empty());  // "\r\n" was one line end, not a line end and an empty line
  ASSERT_TRUE(parser.feed("\n\r\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x\ny");
}

TEST(SseParserTest, DropsOneByteOrderMarkAtTheStartOfAStreamOnly) {
  SseParser parser;
  auto events = parse_bytewise(parser,
                               "\xEF\xBB\xBF"
                               "data: a\n\n\xEF\xBB\xBF"
                               "data: b\n\n");
  ASSERT_EQ(events.size(), 1u);  // the second BOM makes "\uFEFFdata" an unknown field
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(parse_all("\xEF\xBB\xBF\xEF\xBB\xBF"
                      "data: c\n\n")
                .size(),
            0u);
}

TEST(SseParserTest, IgnoresCommentsAndUnknownFields) {
  auto events = parse_all(": keep-alive\n\n:\ndata: a\nfoo: bar\nDATA: no\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParserTest, AFieldWithoutColonHasAnEmptyValue) {
  auto events = parse_all("data\n\ndata\ndata\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[1].data, "\n");
}

TEST(SseParserTest, AnEventWithoutDataIsNotDispatchedButItsIdCounts) {
  SseParser parser;
  auto events = parse_all(parser, "id: 41\nevent: ignored\n\ndata: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");  // the event type buffer was reset
  EXPECT_EQ(events[0].id, "41");
  EXPECT_EQ(parser.last_event_id(), "41");
}

TEST(SseParserTest, TheIdPersistsAcrossEventsAndAnEmptyIdClearsIt) {
  SseParser parser;
  auto events = parse_all(parser, "id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].id, "5");
  EXPECT_EQ(events[2].id, "");
  EXPECT_EQ(parser.last_event_id(), "");
}

TEST(SseParserTest, AnIdContainingNulIsIgnored) {
  SseParser parser;
  parse_all(parser, std::string_view("id: 3\n\nid: 4\0x\n\n", 16));
  EXPECT_EQ(parser.last_event_id(), "3");
}

TEST(SseParserTest, RetryTakesAsciiDigitsOnly) {
  SseParser parser;
  parse_all(parser, "retry: 2500\n\n");
  EXPECT_EQ(parser.retry_ms(), 2500);
  parse_all(parser, "retry: 12x\nretry: -1\nretry:  7\nretry: \nretry\n\n");
  EXPECT_EQ(parser.retry_ms(), 2500);
  parse_all(parser, "retry: 0\n\n");
  EXPECT_EQ(parser.retry_ms(), 0);
  parse_all(parser, "retry: 123456789012345678901234567890\n\n");
  EXPECT_EQ(parser.retry_ms(), std::numeric_limits<int64_t>::max());
}

TEST(SseParserTest, ReplacesMalformedUtf8AsTheEncodingStandardDoes) {
  // A truncated sequence is one U+FFFD; an overlong, a surrogate and a byte above U+10FFFF are
  // one per byte; a four-byte character passes.
  auto events = parse_all(
      "data: \xE2\x82"
      "A|\xC0\xAF|\xED\xA0\x80|\xF0\x9F\x98\x80|\xE2\x82\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data,
            "\uFFFD"
            "A|\uFFFD\uFFFD|\uFFFD\uFFFD\uFFFD|\xF0\x9F\x98\x80|\uFFFD");
}

TEST(SseParserTest, ACharacterSplitBetweenChunksIsDecodedWhole) {
  SseParser parser;
  auto events = parse_bytewise(parser, "data: \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7");
}

TEST(SseParserTest, AnUnfinishedEventIsDroppedAtTheEndOfTheStream) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("id: 1\ndata: done\n\nid: 2\nevent: x\ndata: half", &events).ok());
  parser.end_of_stream();
  ASSERT_TRUE(parser.feed("data: next\n\n", &events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "message");
  EXPECT_EQ(events[1].data, "next");
  // A new stream starts with an empty id buffer, as the standard says.
  EXPECT_EQ(events[1].id, "");
}

TEST(SseParserTest, TheReconnectionTimeSurvivesANewStream) {
  SseParser parser;
  parse_all(parser, "id: 9\nretry: 0\n\n");
  parser.end_of_stream();
  EXPECT_EQ(parser.retry_ms(), 0);
  EXPECT_EQ(parser.last_event_id(), "9");  // until the new stream dispatches
}

TEST(SseParserTest, RefusesALineOverTheLimitAndKeepsTheEventsBeforeIt) {
  SseParser parser(SseParserOptions{16, 1024});
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: short\n\ndata: 0123", &events).ok());
  Status s = parser.feed("456789abcdef\n\n", &events);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(s.error().message.find("longer than 16 bytes"), std::string::npos);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(parser.feed("data: x\n\n", &events).ok());  // refused until the stream ends
  parser.end_of_stream();
  EXPECT_TRUE(parser.feed("data: x\n\n", &events).ok());
  EXPECT_EQ(events.size(), 2u);
}

TEST(SseParserTest, RefusesAnEventWhoseDataIsOverTheLimit) {
  SseParser parser(SseParserOptions{1024, 10});
  std::vector<SseEvent> events;
  Status s = parser.feed("data: 12345\ndata: 1234\n\n", &events);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("larger than 10 bytes"), std::string::npos);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace polyvox::http
