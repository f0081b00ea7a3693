// A minimal streaming JSON writer for the hottest responses (/status, /jobs): appends to one
// string with no intermediate document, several times cheaper than building a nlohmann::json
// object tree. Everything else uses nlohmann::json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  // The name of the next member. REQUIRES: inside an object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(bool b);
  // The shortest text that reads back as `d`, with a fraction ("3.0"); null when `d` is not
  // finite. As nlohmann::json writes doubles.
  JsonWriter& value(double d);
  JsonWriter& null();
  // `json` verbatim. REQUIRES: a valid JSON value.
  JsonWriter& raw(std::string_view json);

  // Shorthands for a member.
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

// Appends `text` as a JSON string literal (quoted, escaped) to `out`; malformed UTF-8 bytes are
// written as U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace polyvox
