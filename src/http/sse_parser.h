// Server-sent events (text/event-stream) as the WHATWG HTML standard parses them (section
// "Server-sent events", "Event stream interpretation"), fed with the bytes of one stream as they
// arrive; no HTTP here. What an EventSource keeps across reconnections (the last event id, the
// reconnection time) is kept here too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace polyvox::http {

// One dispatched event.
struct SseEvent {
  std::string type;  // the last `event:` field, "message" when there was none
  std::string data;  // the `data:` fields joined by "\n"
  std::string id;    // the stream's last event id when the event was dispatched (may be "")
};

struct SseParserOptions {
  // Longest line accepted, in bytes (without its line end): 1 MiB.
  std::size_t max_line_bytes = 1u << 20;
  // Largest data of one event, in bytes: 4 MiB.
  std::size_t max_event_bytes = 4u << 20;
};

// Not thread-safe: one stream, one reader.
//
// What the standard says, and this parser does: lines end with CRLF, LF or CR (a CR at the end of
// one chunk and an LF at the start of the next are one line end); one U+FEFF byte order mark at
// the very start of a stream is dropped; the bytes are decoded as UTF-8 with each malformed
// sequence replaced by U+FFFD (the Encoding standard's "UTF-8 decode"); a line starting with ':'
// is a comment; "field: value" loses one space after the colon, a line without a colon is a field
// with an empty value; `event` sets the type, `data` appends a line of data, `id` sets the last
// event id unless its value contains U+0000, `retry` sets the reconnection time when its value is
// ASCII digits only; other fields are ignored. An empty line dispatches the event: the last event
// id is set from the stream's id buffer even when there is no data, but an event without data is
// not dispatched. An event not ended by an empty line when the stream ends is dropped. Each
// stream starts with empty buffers (the id buffer too, as the standard says: a new stream whose
// first dispatched event names no id sets the last event id to "").
class SseParser {
 public:
  explicit SseParser(SseParserOptions options = {}) : options_(options) {}

  // Parses the next bytes of the stream, appending the events they complete to `events`.
  // Returns kInvalidInput when a line or an event's data is over the options' limits (the events
  // completed before it are in `events`); the parser then refuses every feed until
  // end_of_stream().
  Status feed(std::string_view bytes, std::vector<SseEvent>* events);

  // The stream ended (or the connection was dropped): its unfinished line and event are dropped,
  // and the next feed is the start of a new stream (which may open with a BOM again). The last
  // event id and the reconnection time are kept, as an EventSource keeps them.
  void end_of_stream();

  // The id to send as Last-Event-ID when reconnecting ("" : none, send no header).
  const std::string& last_event_id() const { return last_event_id_; }

  // The reconnection time the stream asked for in milliseconds (`retry:`), nullopt when it has
  // not. Values too large for int64 saturate.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }

 private:
  Status take_line(std::string_view raw_line, std::vector<SseEvent>* events);
  void process_field(std::string_view name, std::string_view value);
  void dispatch(std::vector<SseEvent>* events);

  SseParserOptions options_;
  // The current line's bytes so far (decoded when it ends: a chunk may end inside a character;
  // line ends are ASCII, never part of a character, so decoding line by line is decoding the
  // stream).
  std::string line_;
  bool after_cr_ = false;   // the last byte was a CR: an LF right after it ends no other line
  bool first_line_ = true;  // the line being read is the stream's first (it may open with a BOM)
  bool failed_ = false;
  std::string event_type_;
  std::string data_;
  std::string id_buffer_;
  std::string last_event_id_;
  std::optional<int64_t> retry_ms_;
};

}  // namespace polyvox::http
