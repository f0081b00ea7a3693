#include "http/sse_parser.h"

#include <limits>

namespace polyvox::http {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kBom = "\xEF\xBB\xBF";          // U+FEFF as UTF-8

// The Encoding standard's UTF-8 decoder, with errors replaced by U+FFFD, from bytes to UTF-8
// bytes. Its replacements are not core/utf8.h's (one U+FFFD per malformed byte): here a
// truncated sequence ("\xE2\x82" then "A") is one U+FFFD, as a browser's EventSource sees it.
std::string utf8_decode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t needed = 0;  // continuation bytes the current sequence still needs
  std::size_t start = 0;   // where the current sequence began
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (needed == 0) {
      start = i;
      if (byte <= 0x7F) {
        out += static_cast<char>(byte);
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        needed = 1;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower = 0xA0;
        if (byte == 0xED) upper = 0x9F;
        needed = 2;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower = 0x90;
        if (byte == 0xF4) upper = 0x8F;
        needed = 3;
      } else {
        out += kReplacement;
      }
      continue;
    }
    if (byte < lower || byte > upper) {  // the sequence ends here; this byte starts anew
      needed = 0;
      lower = 0x80;
      upper = 0xBF;
      out += kReplacement;
      --i;
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    if (i - start == needed) {
      out.append(bytes.substr(start, needed + 1));
      needed = 0;
    }
  }
  if (needed != 0) out += kReplacement;
  return out;
}

bool only_ascii_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int64_t saturating_decimal(std::string_view digits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : digits) {
    const int64_t digit = c - '0';
    if (value > (kMax - digit) / 10) return kMax;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>* events) {
  if (failed_) {
    return invalid_input("event stream", "the stream broke a limit earlier; end it first");
  }
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const std::size_t end = bytes.find_first_of("\r\n");
    const std::size_t take = end == std::string_view::npos ? bytes.size() : end;
    if (line_.size() + take > options_.max_line_bytes) {
      failed_ = true;
      return invalid_input("event stream", "a line is longer than " +
                                               std::to_string(options_.max_line_bytes) + " bytes");
    }
    line_.append(bytes.substr(0, take));
    if (end == std::string_view::npos) break;
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    std::string raw = std::move(line_);
    line_.clear();
    if (Status s = take_line(raw, events); !s) {
      failed_ = true;
      return s;
    }
  }
  return Status::success();
}

void SseParser::end_of_stream() {
  line_.clear();
  after_cr_ = false;
  first_line_ = true;
  failed_ = false;
  event_type_.clear();
  data_.clear();
  id_buffer_.clear();
}

Status SseParser::take_line(std::string_view raw_line, std::vector<SseEvent>* events) {
  if (first_line_) {
    first_line_ = false;
    if (raw_line.substr(0, kBom.size()) == kBom) raw_line.remove_prefix(kBom.size());
  }
  const std::string decoded = utf8_decode(raw_line);
  const std::string_view line = decoded;
  if (line.empty()) {
    dispatch(events);
    return Status::success();
  }
  if (line.front() == ':') return Status::success();  // a comment
  const std::size_t colon = line.find(':');
  std::string_view name = line;
  std::string_view value;
  if (colon != std::string_view::npos) {
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "data" && data_.size() + value.size() + 1 > options_.max_event_bytes) {
    return invalid_input("event stream", "an event's data is larger than " +
                                             std::to_string(options_.max_event_bytes) + " bytes");
  }
  process_field(name, value);
  return Status::success();
}

void SseParser::process_field(std::string_view name, std::string_view value) {
  if (name == "event") {
    event_type_ = value;
  } else if (name == "data") {
    data_.append(value);
    data_ += '\n';
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_ = value;
  } else if (name == "retry") {
    if (only_ascii_digits(value)) retry_ms_ = saturating_decimal(value);
  }
}

void SseParser::dispatch(std::vector<SseEvent>* events) {
  last_event_id_ = id_buffer_;
  if (data_.empty()) {
    event_type_.clear();
    return;
  }
  if (data_.back() == '\n') data_.pop_back();
  events->push_back(SseEvent{event_type_.empty() ? "message" : std::move(event_type_),
                             std::move(data_), last_event_id_});
  event_type_.clear();
  data_.clear();
}

}  // namespace polyvox::http
