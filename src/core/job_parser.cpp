#include "core/job_parser.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <span>
#include <string>

#include "core/chapters.h"
#include "core/cover_ref.h"
#include "core/error_list.h"
#include "core/json_input.h"
#include "core/letters.h"
#include "core/speakable_text.h"
#include "core/utf8.h"
#include "core/webhook_url.h"

namespace polyvox {
namespace {

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

Error wrong_type(const std::string& field, const char* expected, const InputJson& got) {
  return invalid_input(field, std::string("must be ") + expected + ", got " + json_type_name(got));
}

// An integer-valued JSON number (250 or 250.0) that fits an int, else nullopt.
std::optional<long long> as_integer(const InputJson& v) {
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

// The state of one parse: what it needs to know and the problems found so far.
struct Reader {
  const JobParseOptions& options;
  const ProviderDirectory& providers;
  ErrorList errors;
};

// How one field of an object is read into its target (a JobSpec, a BlockSpec, a VoiceChoice):
// `read` is given the field's value (never null: null means absent, and is skipped) and its path,
// and returns its problem. A rule that reads nested values (blocks, fallback) adds their
// problems to the reader itself. A new field is one more rule and one more function.
template <typename Target>
struct FieldRule {
  std::string_view name;
  Status (*read)(Reader& reader, const InputJson& value, const std::string& field, Target& target);
};

// Reads every field of `object` by its rule, in document order, adding each problem to the
// reader; unknown fields are problems. Returns the names of the fields that had one.
template <typename Target>
std::set<std::string> read_fields(Reader& reader, const InputJson& object, const std::string& path,
                                  std::span<const FieldRule<Target>> rules, Target& target) {
  std::set<std::string> failed;
  for (const auto& [key, value] : object.items()) {
    const std::string field = path.empty() ? key : path + "." + key;
    const FieldRule<Target>* rule = nullptr;
    for (const auto& r : rules) {
      if (r.name == key) rule = &r;
    }
    Status status = rule == nullptr   ? Status(invalid_input(field, "unknown field"))
                    : value.is_null() ? Status::success()
                                      : rule->read(reader, value, field, target);
    if (!status) {
      reader.errors.add(status.error());
      failed.insert(key);
    }
    if (reader.errors.full()) break;
  }
  return failed;
}

Status read_string(const InputJson& value, const std::string& field, std::string& out) {
  if (!value.is_string()) return wrong_type(field, "a string", value);
  out = value.get<std::string>();
  return Status::success();
}

Status read_boolean(const InputJson& value, const std::string& field, bool& out) {
  if (!value.is_boolean()) return wrong_type(field, "a boolean", value);
  out = value.get<bool>();
  return Status::success();
}

// A provider and voice that can be used: kUnknownProvider naming `path`.provider with the
// reason and what is available, or kUnknownVoice naming `path`.voice with some voices.
Status check_choice(const Reader& reader, const std::string& provider, const std::string& voice,
                    const std::string& path) {
  const std::string reason = reader.providers.unusable_reason(provider);
  if (!reason.empty()) {
    auto usable = reader.providers.usable_providers();
    return Error{ErrorKind::kUnknownProvider,
                 "provider " + in_quotes(provider) + " cannot be used (" + reason +
                     "); available providers: " + join(usable),
                 path + ".provider"};
  }
  if (!reader.providers.has_voice(provider, voice)) {
    return Error{
        ErrorKind::kUnknownVoice,
        "unknown voice " + in_quotes(voice) + " for provider " + in_quotes(provider) +
            "; available voices include: " + join(reader.providers.example_voices(provider)) +
            " (see `polyvox voices " + provider + "`)",
        path + ".voice"};
  }
  return Status::success();
}

// ---- One entry of a block's "fallback": {"provider", "voice"} ----

Status read_choice_provider(Reader&, const InputJson& v, const std::string& field,
                            VoiceChoice& choice) {
  return read_string(v, field, choice.provider);
}

Status read_choice_voice(Reader&, const InputJson& v, const std::string& field,
                         VoiceChoice& choice) {
  return read_string(v, field, choice.voice);
}

constexpr FieldRule<VoiceChoice> kChoiceFields[] = {
    {"provider", read_choice_provider},
    {"voice", read_choice_voice},
};

std::optional<VoiceChoice> read_choice(Reader& reader, const InputJson& v,
                                       const std::string& path) {
  if (!v.is_object()) {
    reader.errors.add(wrong_type(path, "an object", v));
    return std::nullopt;
  }
  VoiceChoice choice;
  const auto failed = read_fields<VoiceChoice>(reader, v, path, kChoiceFields, choice);
  if (!failed.empty()) return std::nullopt;
  if (const auto it = v.find("provider"); it == v.end() || it->is_null()) {
    reader.errors.add(invalid_input(path + ".provider", "is required"));
    return std::nullopt;
  }
  if (Status s = check_choice(reader, choice.provider, choice.voice, path); !s) {
    reader.errors.add(s.error());
    return std::nullopt;
  }
  return choice;
}

// ---- The fields of a block ----

Status read_text(Reader& reader, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  auto text =
      speakable_text(v.get_ref<const std::string&>(), reader.options.limits.max_text_chars, field);
  if (!text) return text.error();
  block.text = std::move(text.value());
  return Status::success();
}

Status read_wait_after_ms(Reader& reader, const InputJson& v, const std::string& field,
                          BlockSpec& block) {
  if (!v.is_number()) return wrong_type(field, "an integer", v);
  auto ms = as_integer(v);
  if (!ms) return invalid_input(field, "must be an integer");
  const int max = reader.options.limits.max_pause_ms;
  if (*ms < 0 || *ms > max) {
    return invalid_input(field, "must be between 0 and " + std::to_string(max));
  }
  block.wait_after_ms = static_cast<int>(*ms);
  return Status::success();
}

Status read_provider(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  return read_string(v, field, block.provider);
}

Status read_voice(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (Status s = read_string(v, field, block.voice); !s) return s;
  if (trim_utf8(block.voice).empty()) return invalid_input(field, "must not be empty");
  return Status::success();
}

Status read_arabic(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  return read_boolean(v, field, block.arabic);
}

Status read_cache(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  return read_boolean(v, field, block.cache);
}

Status read_speed(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (!v.is_number()) return wrong_type(field, "a number", v);
  const double speed = v.get<double>();
  if (!(speed >= kMinBlockSpeed && speed <= kMaxBlockSpeed)) {
    return invalid_input(field,
                         std::string("must be ") + kBlockSpeedRangeText + ", got " + v.dump());
  }
  block.speed = speed;
  return Status::success();
}

Status read_instructions(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  std::string_view trimmed = trim_utf8(v.get_ref<const std::string&>());
  const std::size_t length = utf8_length(trimmed);
  if (length > kMaxBlockInstructionsChars) {
    return invalid_input(field, "must be at most " + std::to_string(kMaxBlockInstructionsChars) +
                                    " characters, got " + std::to_string(length));
  }
  block.instructions = std::string(trimmed);
  return Status::success();
}

// `text` is at most `max_chars` code points and holds no control character (C0 or DEL): else an
// error naming `field`, `control_message` for a control character.
Status check_label(std::string_view text, std::size_t max_chars, const std::string& field,
                   const char* control_message) {
  const std::size_t length = utf8_length(text);
  if (length > max_chars) {
    return invalid_input(field, "must be at most " + std::to_string(max_chars) +
                                    " characters, got " + std::to_string(length));
  }
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      return invalid_input(field, control_message);
  }
  return Status::success();
}

// A block's "speaker": trimmed, non-empty, at most kMaxSpeakerChars code points, and no control
// characters (a line break would end a subtitle cue's voice tag).
Status read_speaker(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  const std::string_view trimmed = trim_utf8(v.get_ref<const std::string&>());
  if (trimmed.empty()) return invalid_input(field, "must not be empty or only white space");
  if (Status s = check_label(trimmed, kMaxSpeakerChars, field,
                             "must not contain control characters or line breaks");
      !s) {
    return s;
  }
  block.speaker = std::string(trimmed);
  return Status::success();
}

// A chapter title: trimmed, not empty, at most kMaxChapterTitleChars code points, and free of
// control characters (titles go into ID3 frames, MP4 text samples and Vorbis comments).
Result<std::string> parse_chapter_title(const std::string& raw, const std::string& field) {
  std::string_view title = trim_utf8(raw);
  if (title.empty()) return invalid_input(field, "must not be empty or only white space");
  if (Status s = check_label(title, kMaxChapterTitleChars, field,
                             "must not contain control characters (line breaks, tabs)");
      !s) {
    return s.error();
  }
  return std::string(title);
}

Status read_chapter(Reader&, const InputJson& v, const std::string& field, BlockSpec& block) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  auto title = parse_chapter_title(v.get_ref<const std::string&>(), field);
  if (!title) return title.take_error();
  block.chapter = std::move(*title);
  return Status::success();
}

Status read_fallback(Reader& reader, const InputJson& v, const std::string& field,
                     BlockSpec& block) {
  if (!v.is_array()) return wrong_type(field, "an array", v);
  const std::size_t max = reader.options.limits.max_fallbacks;
  if (v.size() > max) {
    return invalid_input(field, "must have at most " + std::to_string(max) + " entries");
  }
  for (std::size_t k = 0; k < v.size(); ++k) {
    auto choice = read_choice(reader, v[k], field + "[" + std::to_string(k) + "]");
    if (choice) block.fallback.push_back(std::move(*choice));
  }
  return Status::success();
}

constexpr FieldRule<BlockSpec> kBlockFields[] = {
    {"text", read_text},
    {"wait_after_ms", read_wait_after_ms},
    {"provider", read_provider},
    {"voice", read_voice},
    {"arabic", read_arabic},
    {"cache", read_cache},
    {"speed", read_speed},
    {"fallback", read_fallback},
    {"instructions", read_instructions},
    {"speaker", read_speaker},
    {"chapter", read_chapter},
};

// Whether `voice` of `provider` reads `script` (a voice that declares no script reads any).
bool reads_script(const Reader& reader, const std::string& provider, const std::string& voice,
                  const std::string& script) {
  const auto scripts = reader.providers.voice_scripts(provider, voice);
  return scripts.empty() || std::find(scripts.begin(), scripts.end(), script) != scripts.end();
}

// The script the block's text is mostly in when its voice cannot read it, else "": more than
// half of the letters are in scripts the voice does not read, and this is the largest of them.
// A block flagged "arabic" is Arabic script whatever its letters.
std::string unreadable_script(const Reader& reader, const BlockSpec& block) {
  const auto readable = reader.providers.voice_scripts(block.provider, block.voice);
  if (readable.empty()) return "";
  auto is_readable = [&readable](const std::string& script) {
    return std::find(readable.begin(), readable.end(), script) != readable.end();
  };
  if (block.arabic) return is_readable("Arabic") ? "" : "Arabic";
  std::size_t total = 0, unread = 0;
  std::string largest;
  for (const ScriptLetters& s : letters_by_script(block.text)) {  // most letters first
    total += s.letters;
    if (is_readable(s.script)) continue;
    unread += s.letters;
    if (largest.empty()) largest = s.script;
  }
  return 2 * unread > total ? largest : "";
}

// A block that its voice cannot read, unless one of its fallback voices can.
Status check_script(const Reader& reader, const std::string& path, const BlockSpec& block) {
  const std::string script = unreadable_script(reader, block);
  if (script.empty()) return Status::success();
  for (const VoiceChoice& choice : block.fallback) {
    if (reads_script(reader, choice.provider, choice.voice, script)) return Status::success();
  }
  const auto scripts = reader.providers.voice_scripts(block.provider, block.voice);
  const auto can = reader.providers.voices_for_script(script, 8);
  return invalid_input(
      path + ".voice",
      path + "'s text is mostly in " + script + " script, which voice " + in_quotes(block.voice) +
          " of provider " + in_quotes(block.provider) + " cannot read (it reads " + join(scripts) +
          "); " +
          (can.empty() ? "no usable voice reads " + script : "voices that can: " + join(can, 8)) +
          " (give one as the block's voice or as a fallback)");
}

// Checks that need the whole block (its fields may come in any order).
void check_block(Reader& reader, const std::string& path, const std::set<std::string>& failed,
                 const BlockSpec& block) {
  if (block.text.empty()) {
    if (!failed.contains("text")) reader.errors.add(invalid_input(path + ".text", "is required"));
  } else if (!has_letter_or_digit(block.text)) {
    reader.errors.add(invalid_input(
        path + ".text", path + " has nothing to speak: no letter or digit, only punctuation, " +
                            "symbols or spaces. A pause belongs in the previous block's " +
                            "wait_after_ms"));
    return;
  }
  if (failed.contains("provider") || failed.contains("voice")) return;
  if (Status s = check_choice(reader, block.provider, block.voice, path); !s) {
    reader.errors.add(s.error());
    return;
  }
  if (!block.text.empty() && !failed.contains("arabic") && !failed.contains("fallback")) {
    reader.errors.add(check_script(reader, path, block));
  }
}

std::optional<BlockSpec> read_block(Reader& reader, const InputJson& v, const std::string& path) {
  if (!v.is_object()) {
    reader.errors.add(wrong_type(path, "an object", v));
    return std::nullopt;
  }
  BlockSpec block;
  block.provider = reader.options.default_provider;
  const auto failed = read_fields<BlockSpec>(reader, v, path, kBlockFields, block);
  check_block(reader, path, failed, block);
  return block;
}

// ---- The fields of a job ----

// Free-form and may be empty, but bounded (kMaxProjectIdChars) and without control characters:
// it is repeated in every listing of the job, its events and its webhooks.
Status read_project_id(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  const std::string& id = v.get_ref<const std::string&>();
  if (Status s = check_label(id, kMaxProjectIdChars, field,
                             "must not contain control characters or line breaks");
      !s) {
    return s;
  }
  job.project_id = id;
  return Status::success();
}

Status read_user_id(Reader&, const InputJson&, const std::string&, JobSpec&) {
  // Accepted for compatibility with the seed's clients and ignored: the owner of a job is the
  // authenticated user.
  return Status::success();
}

Status read_output_format(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  auto format = parse_output_format(v.get<std::string>());
  if (!format) return invalid_input(field, std::string("must be one of ") + output_format_names());
  job.output_format = *format;
  return Status::success();
}

Status read_output_number(const InputJson& v, const std::string& field, int& out) {
  if (!v.is_number()) return wrong_type(field, "an integer", v);
  auto number = as_integer(v);
  if (!number) return invalid_input(field, "must be an integer");
  if (*number <= 0 || *number > 1000000) return invalid_input(field, "must be positive");
  out = static_cast<int>(*number);
  return Status::success();
}

Status read_sample_rate(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  return read_output_number(v, field, job.sample_rate);
}

Status read_bitrate_kbps(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  return read_output_number(v, field, job.bitrate_kbps);
}

Status read_webhook_url(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  if (Status s = read_string(v, field, job.webhook_url); !s) return s;
  if (job.webhook_url.empty()) return Status::success();  // this job wants no webhook
  return check_webhook_url(job.webhook_url, field);
}

Status read_profile(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  auto profile = parse_delivery_profile(v.get<std::string>());
  if (!profile || *profile == DeliveryProfile::kServer) {
    return invalid_input(field, std::string("must be one of ") + delivery_profile_names());
  }
  job.profile = *profile;
  return Status::success();
}

Status read_cover_url(Reader&, const InputJson& v, const std::string& field, JobSpec& job) {
  if (!v.is_string()) return wrong_type(field, "a string", v);
  const std::string& url = v.get_ref<const std::string&>();
  if (url.empty()) return Status::success();
  auto cover = parse_cover_path(url, field);
  if (!cover) return cover.take_error();
  job.cover_url = cover_path(*cover);
  return Status::success();
}

Status read_blocks(Reader& reader, const InputJson& v, const std::string& field, JobSpec& job) {
  if (!v.is_array()) return wrong_type(field, "an array", v);
  if (v.empty()) return invalid_input(field, "must contain at least 1 block");
  const std::size_t max = reader.options.limits.max_blocks;
  if (v.size() > max) {
    return invalid_input(field, "must contain at most " + std::to_string(max) + " blocks, got " +
                                    std::to_string(v.size()));
  }
  job.blocks.reserve(v.size());
  int64_t total_pause_ms = 0;
  std::size_t chapters = 0;
  for (std::size_t i = 0; i < v.size() && !reader.errors.full(); ++i) {
    const std::string path = field + "[" + std::to_string(i) + "]";
    auto block = read_block(reader, v[i], path);
    if (!block) continue;
    if (!block->chapter.empty() && ++chapters == kMaxChapters + 1) {
      reader.errors.add(invalid_input(
          path + ".chapter", "a job has at most " + std::to_string(kMaxChapters) + " chapters"));
    }
    total_pause_ms += block->wait_after_ms;
    job.blocks.push_back(std::move(*block));
  }
  const int64_t max_pause_ms = reader.options.limits.max_total_pause_ms;
  if (total_pause_ms > max_pause_ms) {
    return invalid_input(field, "the pauses (wait_after_ms) add up to " +
                                    seconds_text(total_pause_ms) + " s, more than the " +
                                    seconds_text(max_pause_ms) + " s a job may hold");
  }
  return Status::success();
}

constexpr FieldRule<JobSpec> kJobFields[] = {
    {"project_id", read_project_id},
    {"user_id", read_user_id},
    {"output_format", read_output_format},
    {"sample_rate", read_sample_rate},
    {"bitrate_kbps", read_bitrate_kbps},
    {"webhook_url", read_webhook_url},
    {"profile", read_profile},
    {"cover_url", read_cover_url},
    {"blocks", read_blocks},
};

Result<JobSpec> read_job(Reader& reader, const InputJson& doc) {
  if (!doc.is_object()) {
    reader.errors.add(wrong_type("", "a JSON object", doc));
    return reader.errors.first();
  }
  JobSpec job;
  job.webhook_url = reader.options.default_webhook_url;
  const auto failed = read_fields<JobSpec>(reader, doc, "", kJobFields, job);
  if (const auto it = doc.find("blocks"); it == doc.end() || it->is_null()) {
    reader.errors.add(invalid_input("blocks", "is required"));
  }
  // After the fields: the bounds depend on the format, whatever the order of the keys.
  if (!failed.contains("output_format") && !failed.contains("sample_rate") &&
      !failed.contains("bitrate_kbps")) {
    reader.errors.add(check_output_settings(job.output_format, job.sample_rate, job.bitrate_kbps));
  }
  if (!reader.errors.empty()) return reader.errors.first();
  return job;
}

}  // namespace

Result<JobSpec> parse_job(std::string_view json_text, const JobParseOptions& options,
                          const ProviderDirectory& providers, std::vector<ErrorDetail>* details) {
  auto doc = parse_json_input(json_text, details);
  if (!doc) return doc.take_error();
  Reader reader{options, providers, {}};
  auto job = read_job(reader, *doc);
  if (!job && details) *details = reader.errors.details();
  return job;
}

}  // namespace polyvox
