#include "core/job_parser.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.h"
#include "core/webhook_url.h"

namespace polyvox {
namespace {

using nlohmann::json;

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
// the validator sees it, and its error still names the field.
class PathTracker {
 public:
  bool on_event(json::parse_event_t event, const json& parsed) {
    using E = json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        frames_.push_back({event == E::array_start, 0, ""});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        count_element();
        break;
      case E::key:
        if (!frames_.empty() && parsed.is_string()) frames_.back().key = parsed.get<std::string>();
        break;
      case E::value:
        count_element();
        break;
    }
    return true;
  }

  // The path of the value being parsed now (the next element of an array, the value of the
  // last key of an object).
  std::string current() const {
    std::string path;
    for (const Frame& f : frames_) {
      if (f.array) {
        path += "[" + std::to_string(f.done) + "]";
      } else if (!f.key.empty()) {
        path += (path.empty() ? "" : ".") + f.key;
      }
    }
    return path;
  }

 private:
  struct Frame {
    bool array;
    std::size_t done;  // elements of an array parsed so far: the index of the next
    std::string key;
  };
  // A value just ended: inside an array, the next one has the next index.
  void count_element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().done;
  }
  std::vector<Frame> frames_;
};

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(const std::vector<std::string>& items, std::size_t max_items = 12) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > max_items) out += ", ...";
  return out;
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::binary:
      return "binary";
    case json::value_t::discarded:
      return "nothing";
    default:
      return "a number";
  }
}

Error wrong_type(const std::string& field, const char* expected, const json& got) {
  return invalid_input(field, std::string("must be ") + expected + ", got " + type_name(got));
}

// An integer-valued JSON number (250 or 250.0) that fits an int, else nullopt.
std::optional<long long> as_integer(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9e15) {
      return static_cast<long long>(d);
    }
  }
  return std::nullopt;
}

// `ms` in seconds, with the milliseconds when there are any ("3600", "3600.5").
std::string seconds_text(int64_t ms) {
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text;
}

class Parser {
 public:
  Parser(const JobParseOptions& options, const ProviderDirectory& providers)
      : options_(options), providers_(providers) {}

  Result<JobSpec> parse_document(const json& doc) {
    if (!doc.is_object()) return wrong_type("", "a JSON object", doc);
    JobSpec job;
    job.webhook_url = options_.default_webhook_url;
    for (const auto& [key, value] : doc.items()) {
      if (key == "project_id") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(key, "a string", value);
        job.project_id = value.get<std::string>();
      } else if (key == "user_id") {
        // Accepted for compatibility with the seed's clients and ignored: the owner of a job is
        // the authenticated user.
      } else if (key == "output_format") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(key, "a string", value);
        auto format = parse_output_format(value.get<std::string>());
        if (!format) {
          return invalid_input(key, std::string("must be one of ") + output_format_names());
        }
        job.output_format = *format;
      } else if (key == "sample_rate" || key == "bitrate_kbps") {
        if (value.is_null()) continue;
        if (!value.is_number()) return wrong_type(key, "an integer", value);
        auto number = as_integer(value);
        if (!number) return invalid_input(key, "must be an integer");
        if (*number <= 0 || *number > 1000000) return invalid_input(key, "must be positive");
        (key == "sample_rate" ? job.sample_rate : job.bitrate_kbps) = static_cast<int>(*number);
      } else if (key == "webhook_url") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(key, "a string", value);
        job.webhook_url = value.get<std::string>();
        if (job.webhook_url.empty()) continue;  // this job wants no webhook
        if (Status s = check_webhook_url(job.webhook_url, key); !s) return s.error();
      } else if (key != "blocks") {
        return invalid_input(key, "unknown field");
      }
    }
    // After the loop: the bounds depend on the format, whatever the order of the keys.
    if (Status s = check_output_settings(job.output_format, job.sample_rate, job.bitrate_kbps);
        !s) {
      return s.error();
    }
    auto blocks_it = doc.find("blocks");
    if (blocks_it == doc.end() || blocks_it->is_null()) {
      return invalid_input("blocks", "is required");
    }
    const json& blocks = *blocks_it;
    if (!blocks.is_array()) return wrong_type("blocks", "an array", blocks);
    if (blocks.empty()) return invalid_input("blocks", "must contain at least 1 block");
    if (blocks.size() > options_.limits.max_blocks) {
      return invalid_input("blocks", "must contain at most " +
                                         std::to_string(options_.limits.max_blocks) +
                                         " blocks, got " + std::to_string(blocks.size()));
    }
    job.blocks.reserve(blocks.size());
    int64_t total_pause_ms = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      auto block = parse_block(blocks[i], "blocks[" + std::to_string(i) + "]");
      if (!block) return block.take_error();
      total_pause_ms += block->wait_after_ms;
      job.blocks.push_back(std::move(block.value()));
    }
    if (total_pause_ms > options_.limits.max_total_pause_ms) {
      return invalid_input("blocks", "the pauses (wait_after_ms) add up to " +
                                         seconds_text(total_pause_ms) + " s, more than the " +
                                         seconds_text(options_.limits.max_total_pause_ms) +
                                         " s a job may hold");
    }
    return job;
  }

 private:
  Result<BlockSpec> parse_block(const json& v, const std::string& path) {
    if (!v.is_object()) return wrong_type(path, "an object", v);
    BlockSpec block;
    block.provider = options_.default_provider;
    bool has_text = false;
    for (const auto& [key, value] : v.items()) {
      const std::string field = path + "." + key;
      if (key == "text") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(field, "a string", value);
        const std::string& raw = value.get_ref<const std::string&>();
        std::string_view trimmed = trim_utf8(raw);
        if (trimmed.empty()) return invalid_input(field, "must not be empty or only white space");
        const std::size_t length = utf8_length(trimmed);
        if (length > options_.limits.max_text_chars) {
          return invalid_input(field, "must be at most " +
                                          std::to_string(options_.limits.max_text_chars) +
                                          " characters, got " + std::to_string(length));
        }
        block.text = std::string(trimmed);
        has_text = true;
      } else if (key == "wait_after_ms") {
        if (value.is_null()) continue;
        if (!value.is_number()) return wrong_type(field, "an integer", value);
        auto ms = as_integer(value);
        if (!ms) return invalid_input(field, "must be an integer");
        if (*ms < 0 || *ms > options_.limits.max_pause_ms) {
          return invalid_input(
              field, "must be between 0 and " + std::to_string(options_.limits.max_pause_ms));
        }
        block.wait_after_ms = static_cast<int>(*ms);
      } else if (key == "provider") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(field, "a string", value);
        block.provider = value.get<std::string>();
      } else if (key == "voice") {
        if (value.is_null()) continue;
        if (!value.is_string()) return wrong_type(field, "a string", value);
        block.voice = value.get<std::string>();
        if (trim_utf8(block.voice).empty()) return invalid_input(field, "must not be empty");
      } else if (key == "arabic") {
        if (value.is_null()) continue;
        if (!value.is_boolean()) return wrong_type(field, "a boolean", value);
        block.arabic = value.get<bool>();
      } else if (key == "cache") {
        if (value.is_null()) continue;
        if (!value.is_boolean()) return wrong_type(field, "a boolean", value);
        block.cache = value.get<bool>();
      } else if (key == "speed") {
        if (value.is_null()) continue;
        if (!value.is_number()) return wrong_type(field, "a number", value);
        const double speed = value.get<double>();
        if (!(speed >= kMinBlockSpeed && speed <= kMaxBlockSpeed)) {
          return invalid_input(field, "must be between 0.25 and 4.0, got " + value.dump());
        }
        block.speed = speed;
      } else if (key == "fallback") {
        if (value.is_null()) continue;
        if (!value.is_array()) return wrong_type(field, "an array", value);
        if (value.size() > options_.limits.max_fallbacks) {
          return invalid_input(
              field,
              "must have at most " + std::to_string(options_.limits.max_fallbacks) + " entries");
        }
        for (std::size_t k = 0; k < value.size(); ++k) {
          auto choice = parse_choice(value[k], field + "[" + std::to_string(k) + "]");
          if (!choice) return choice.take_error();
          block.fallback.push_back(std::move(choice.value()));
        }
      } else {
        return invalid_input(field, "unknown field");
      }
    }
    if (!has_text) return invalid_input(path + ".text", "is required");
    if (Status s = check_choice(block.provider, block.voice, path); !s) return s.error();
    return block;
  }

  // A provider and voice that can be used: kUnknownProvider naming `path`.provider with the
  // reason and what is available, or kUnknownVoice naming `path`.voice with some voices.
  Status check_choice(const std::string& provider, const std::string& voice,
                      const std::string& path) {
    const std::string reason = providers_.unusable_reason(provider);
    if (!reason.empty()) {
      auto usable = providers_.usable_providers();
      return Error{ErrorKind::kUnknownProvider,
                   "provider " + in_quotes(provider) + " cannot be used (" + reason +
                       "); available providers: " + join(usable),
                   path + ".provider"};
    }
    if (!providers_.has_voice(provider, voice)) {
      return Error{ErrorKind::kUnknownVoice,
                   "unknown voice " + in_quotes(voice) + " for provider " + in_quotes(provider) +
                       "; available voices include: " + join(providers_.example_voices(provider)) +
                       " (see `polyvox voices " + provider + "`)",
                   path + ".voice"};
    }
    return Status::success();
  }

  // One entry of a block's "fallback": {"provider", "voice"}.
  Result<VoiceChoice> parse_choice(const json& v, const std::string& path) {
    if (!v.is_object()) return wrong_type(path, "an object", v);
    VoiceChoice choice;
    bool has_provider = false;
    for (const auto& [key, value] : v.items()) {
      const std::string field = path + "." + key;
      if (key == "provider" || key == "voice") {
        if (!value.is_string()) return wrong_type(field, "a string", value);
        (key == "provider" ? choice.provider : choice.voice) = value.get<std::string>();
        has_provider |= key == "provider";
      } else {
        return invalid_input(field, "unknown field");
      }
    }
    if (!has_provider) return invalid_input(path + ".provider", "is required");
    if (Status s = check_choice(choice.provider, choice.voice, path); !s) return s.error();
    return choice;
  }

  const JobParseOptions& options_;
  const ProviderDirectory& providers_;
};

}  // namespace

Result<JobSpec> parse_job(std::string_view json_text, const JobParseOptions& options,
                          const ProviderDirectory& providers) {
  if (const std::size_t valid = valid_utf8_prefix(json_text); valid != json_text.size()) {
    return invalid_input("", "invalid UTF-8 at " + line_column(json_text, valid));
  }
  json doc;
  PathTracker where;
  try {
    doc = json::parse(json_text, [&where](int, json::parse_event_t event, json& parsed) {
      return where.on_event(event, parsed);
    });
  } catch (const json::out_of_range&) {
    // A number beyond what a double holds (1e400): the field is named, as for any bad value.
    return invalid_input(where.current(), "number is out of range");
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at ...: <reason>".
    const auto colon = what.find(": ");
    const std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return invalid_input("", "malformed JSON at " + line_column(json_text, offset) + ": " + reason);
  }
  return Parser(options, providers).parse_document(doc);
}

}  // namespace polyvox
