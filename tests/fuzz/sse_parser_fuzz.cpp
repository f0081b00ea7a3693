// The server-sent events parser (http/sse_parser.h) on arbitrary bytes, fed whole and in pieces
// whose sizes the input chooses: the pieces make no difference (events, last event id, retry,
// where a limit is broken); every event's type, data and id are valid UTF-8 within the limits,
// type and id hold no line end; after end_of_stream the parser reads a new stream.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "fuzz_check.h"
#include "http/sse_parser.h"

using polyvox::fuzz::check;
using polyvox::http::SseEvent;
using polyvox::http::SseParser;
using polyvox::http::SseParserOptions;

namespace {

struct Outcome {
  std::vector<SseEvent> events;
  bool ok = true;
  std::string last_event_id;
  std::optional<int64_t> retry_ms;
};

// Feeds `stream` in pieces of 1..16 bytes chosen by `sizes` (cycled); all at once when empty.
Outcome parse(SseParser& parser, std::string_view stream, std::string_view sizes) {
  Outcome out;
  std::size_t turn = 0;
  while (!stream.empty() && out.ok) {
    std::size_t n = stream.size();
    if (!sizes.empty()) n = 1 + static_cast<unsigned char>(sizes[turn++ % sizes.size()]) % 16;
    n = std::min(n, stream.size());
    out.ok = parser.feed(stream.substr(0, n), &out.events).ok();
    stream.remove_prefix(n);
  }
  out.last_event_id = parser.last_event_id();
  out.retry_ms = parser.retry_ms();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.ok != b.ok || a.last_event_id != b.last_event_id || a.retry_ms != b.retry_ms ||
      a.events.size() != b.events.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].type != b.events[i].type || a.events[i].data != b.events[i].data ||
        a.events[i].id != b.events[i].id) {
      return false;
    }
  }
  return true;
}

void check_events(const Outcome& outcome, const SseParserOptions& options) {
  for (const SseEvent& e : outcome.events) {
    check(!e.type.empty(), "an event has a type");
    check(polyvox::is_valid_utf8(e.type) && polyvox::is_valid_utf8(e.data) &&
              polyvox::is_valid_utf8(e.id),
          "events are valid UTF-8");
    check(e.type.find_first_of("\r\n") == std::string::npos, "a type holds no line end");
    check(e.id.find_first_of("\r\n") == std::string::npos, "an id holds no line end");
    check(e.id.find('\0') == std::string::npos, "an id holds no NUL");
    check(e.data.find('\r') == std::string::npos, "data lines are joined by LF only");
    check(e.data.size() < options.max_event_bytes, "an event's data is within the limit");
  }
  check(outcome.retry_ms.value_or(0) >= 0, "a reconnection time is not negative");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte chooses the piece sizes' seed length; the rest is the stream.
  const std::size_t seed_length = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % 8;
  const std::string_view sizes =
      input.substr(std::min<std::size_t>(1, size)).substr(0, seed_length);
  const std::string_view stream = input.substr(std::min(size, 1 + seed_length));

  for (const SseParserOptions options : {SseParserOptions{}, SseParserOptions{24, 40}}) {
    SseParser whole_parser(options);
    const Outcome whole = parse(whole_parser, stream, "");
    SseParser piece_parser(options);
    const Outcome pieces = parse(piece_parser, stream, sizes.empty() ? "\x01" : sizes);
    check(same(whole, pieces), "pieces parse as the whole stream");
    check_events(whole, options);

    // A second stream on the same parser: starts clean, keeps the reconnection time.
    whole_parser.end_of_stream();
    std::vector<SseEvent> again;
    check(whole_parser.feed("data: x\n\n", &again).ok(), "a new stream parses after an error");
    check(again.size() == 1 && again[0].data == "x" && again[0].type == "message",
          "a new stream starts without the old one's unfinished event");
    check(whole_parser.last_event_id().empty(), "a new stream starts with an empty id buffer");
    check(whole_parser.retry_ms() == whole.retry_ms, "the reconnection time is kept");
  }
  return 0;
}
