#include "core/json_input.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error_list.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

// 1-based line and column (in code points) of byte `offset` in `text`.
std::string line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') ++line, line_start = i + 1;
  }
  std::string_view prefix = text.substr(line_start, offset - line_start);
  std::size_t column = 1;
  for (char c : prefix) column += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Where the parser is in the document, as a field path ("blocks[3].wait_after_ms"), kept up to
// date by nlohmann's parser callback: a number the parser cannot represent (1e400) fails before
// any validator sees it, and its error still names the field. It also sees every key of every
// object, which is how repeated keys are found (nlohmann keeps one of them silently). And it
// sees every object and array open, so it stops a document nested past kMaxJsonDepth before the
// parser holds more than that many levels (TooDeep), and every key, so it stops an object of more
// than kMaxJsonObjectKeys keys (TooManyKeys: the ordered object finds each new key by a linear
// search, so a million keys would take hours).
struct TooDeep {};
struct TooManyKeys {
  std::string object;  // its path
};

class PathTracker {
 public:
  explicit PathTracker(ErrorList& duplicates) : duplicates_(duplicates) {}

  bool on_event(InputJson::parse_event_t event, const InputJson& parsed) {
    using E = InputJson::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (frames_.size() >= kMaxJsonDepth) throw TooDeep{};
        frames_.push_back({event == E::array_start, 0, "", {}});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        count_element();
        break;
      case E::key:
        if (!frames_.empty() && parsed.is_string()) {
          Frame& frame = frames_.back();
          if (frame.keys.size() >= kMaxJsonObjectKeys)
            throw TooManyKeys{path_of(frames_.size() - 1)};
          frame.key = parsed.get<std::string>();
          if (!frame.keys.insert(frame.key).second) {
            duplicates_.add(invalid_input(current(), "duplicate key"));
          }
        }
        break;
      case E::value:
        count_element();
        break;
    }
    return true;
  }

  // The path of the value being parsed now (the next element of an array, the value of the
  // last key of an object).
  std::string current() const { return path_of(frames_.size()); }

 private:
  // The path given by the first `frames` frames.
  std::string path_of(std::size_t frames) const {
    std::string path;
    for (std::size_t i = 0; i < frames; ++i) {
      const Frame& f = frames_[i];
      if (f.array) {
        path += "[" + std::to_string(f.done) + "]";
      } else if (!f.key.empty()) {
        path += (path.empty() ? "" : ".") + f.key;
      }
    }
    return path;
  }

  struct Frame {
    bool array;
    std::size_t done;  // elements of an array parsed so far: the index of the next
    std::string key;   // of an object: its last key
    std::unordered_set<std::string> keys;  // of an object: every key so far
  };
  // A value just ended: inside an array, the next one has the next index.
  void count_element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().done;
  }
  std::vector<Frame> frames_;
  ErrorList& duplicates_;
};

Result<InputJson> parse_document(std::string_view text, ErrorList& problems) {
  if (const std::size_t valid = valid_utf8_prefix(text); valid != text.size()) {
    return invalid_input("", "invalid UTF-8 at " + line_column(text, valid));
  }
  InputJson doc;
  PathTracker where(problems);
  try {
    doc = InputJson::parse(text, [&where](int, InputJson::parse_event_t event, InputJson& parsed) {
      return where.on_event(event, parsed);
    });
  } catch (const TooManyKeys& e) {
    problems = ErrorList();
    return invalid_input(e.object, std::string(e.object.empty() ? "the top-level object " : "") +
                                       "has more than " + std::to_string(kMaxJsonObjectKeys) +
                                       " keys");
  } catch (const TooDeep&) {
    problems = ErrorList();
    // The parser read a valid prefix up to the level too many: the scan finds the same place.
    const std::size_t deep = json_depth_exceeded_at(text).value_or(text.size());
    return invalid_input("", "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels at " +
                                 line_column(text, deep));
  } catch (const InputJson::out_of_range&) {
    // A number beyond what a double holds (1e400): the field is named, as for any bad value.
    problems = ErrorList();  // the text is not JSON: its repeated keys do not matter
    return invalid_input(where.current(), "number is out of range");
  } catch (const InputJson::parse_error& e) {
    problems = ErrorList();
    // e.byte is 1-based and points just past the offending character.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at ...: <reason>".
    const auto colon = what.find(": ");
    const std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return invalid_input("", "malformed JSON at " + line_column(text, offset) + ": " + reason);
  }
  if (!problems.empty()) return problems.first();
  return doc;
}

}  // namespace

std::optional<std::size_t> json_depth_exceeded_at(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, a quote included
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

nlohmann::json parse_untrusted_json(std::string_view text) {
  if (json_depth_exceeded_at(text)) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Result<InputJson> parse_json_input(std::string_view text, std::vector<ErrorDetail>* details) {
  ErrorList problems;  // the repeated keys
  auto doc = parse_document(text, problems);
  if (!doc && details) {
    if (problems.empty()) problems.add(doc.error());
    *details = problems.details();
  }
  return doc;
}

const char* json_type_name(const InputJson& value) {
  switch (value.type()) {
    case InputJson::value_t::null:
      return "null";
    case InputJson::value_t::boolean:
      return "a boolean";
    case InputJson::value_t::string:
      return "a string";
    case InputJson::value_t::array:
      return "an array";
    case InputJson::value_t::object:
      return "an object";
    case InputJson::value_t::binary:
      return "binary";
    case InputJson::value_t::discarded:
      return "nothing";
    default:
      return "a number";
  }
}

}  // namespace polyvox
