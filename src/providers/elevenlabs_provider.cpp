#include "providers/elevenlabs_provider.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/json_input.h"
#include "log/log.h"
#include "providers/json_speech_provider.h"
#include "providers/vendor_response.h"
#include "providers/word_alignment.h"

namespace polyvox {
namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ElevenLabs voice ids are 20 letters and digits ("21m00Tcm4TlvDq8ikWAM").
bool looks_like_voice_id(std::string_view voice) {
  if (voice.size() != 20) return false;
  for (char c : voice) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool accepts_output_format(std::string_view format) {
  auto starts = [format](std::string_view prefix) { return format.rfind(prefix, 0) == 0; };
  if (starts("pcm_")) {
    constexpr std::string_view kRates[] = {"8000", "16000", "22050", "24000", "44100", "48000"};
    return std::find(std::begin(kRates), std::end(kRates), format.substr(4)) != std::end(kRates);
  }
  return starts("mp3_") || starts("opus_");
}

// The built-in `elevenlabs`: ELEVENLABS_BASE_URL, ELEVENLABS_API_KEY, ELEVENLABS_MODEL_ID,
// ELEVENLABS_OUTPUT_FORMAT.
void configure_elevenlabs(const EnvLookup& env, CloudProviderConfig& c) {
  c.base_url = env_or(env, "ELEVENLABS_BASE_URL", "https://api.elevenlabs.io");
  c.api_key_env = "ELEVENLABS_API_KEY";
  c.model = env_or(env, "ELEVENLABS_MODEL_ID", c.model);
  c.output_format = env_or(env, "ELEVENLABS_OUTPUT_FORMAT", c.output_format);
}

// ProviderKind::finish: the environment's output format checked, the character limit of the
// model unless the file set one.
void complete_instance(CloudProviderConfig& c, bool request_chars_given) {
  // A format the file sets is checked as the file is read; one only the environment set, here.
  if (!accepts_output_format(c.output_format)) {
    throw std::invalid_argument("ELEVENLABS_OUTPUT_FORMAT: '" + c.output_format +
                                "' is not supported (mp3_*, pcm_<rate>, opus_*)");
  }
  if (!request_chars_given) c.max_request_chars = elevenlabs_model_char_limit(c.model);
}

}  // namespace

std::size_t elevenlabs_model_char_limit(std::string_view model_id) {
  if (model_id.find("flash") != std::string_view::npos ||
      model_id.find("turbo") != std::string_view::npos) {
    return 40'000;
  }
  if (model_id == "eleven_v3") return 3'000;
  return 10'000;
}

ProviderKind elevenlabs_provider_kind() {
  return {.name = "elevenlabs",
          .defaults = {.model = "eleven_multilingual_v2",
                       .default_voice = "rachel",
                       .voice_table = "elevenlabs",
                       .output_format = "mp3_44100_128",
                       .native_speed = {0.7, 1.2},  // voice_settings.speed
                       .settings = {.max_concurrency = 32,
                                    .request_timeout = std::chrono::milliseconds(120'000)}},
          .builtins = {{"elevenlabs", configure_elevenlabs}},
          .accepts_output_format = accepts_output_format,
          .finish = complete_instance,
          .create = construct_provider<ElevenLabsProvider>};
}

ElevenLabsProvider::ElevenLabsProvider(CloudProviderConfig config,
                                       std::shared_ptr<const http::HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)), table_(voice_table_for(config_)) {
  if (config_.output_format.rfind("pcm_", 0) == 0) {
    pcm_rate_ = std::stoi(config_.output_format.substr(4));
  }
  voices_ = merged_locked();  // no other thread sees this object yet
}

VoiceList ElevenLabsProvider::voices() const {
  std::lock_guard lock(live_mutex_);
  return voices_;
}

VoiceList ElevenLabsProvider::live_voices(const CancelToken* cancel) {
  // One fetch at a time, and none again soon after one failed: every page that lists voices
  // during a vendor outage would otherwise wait for its own call (and hold a server thread).
  constexpr auto kVoiceListRetryAfter = std::chrono::seconds(30);
  const auto fresh = [&](std::chrono::steady_clock::time_point now) {
    return (live_fetched_ && now - live_fetched_at_ < config_.voices_cache_ttl) ||
           (live_failed_at_ && now - *live_failed_at_ < kVoiceListRetryAfter);
  };
  {
    std::lock_guard lock(live_mutex_);
    if (fresh(std::chrono::steady_clock::now())) return voices_;
  }
  std::unique_lock fetching(fetch_mutex_, std::try_to_lock);
  if (!fetching.owns_lock()) return voices();  // another caller is fetching it
  {
    std::lock_guard lock(live_mutex_);  // fetched by the caller just before?
    if (fresh(std::chrono::steady_clock::now())) return voices_;
  }
  auto fetched = fetch_voices(cancel);
  if (!fetched) {
    log::warn("voice list unavailable, using the built-in table",
              {{"provider", config_.name}, {"error", fetched.error().message}});
    std::lock_guard lock(live_mutex_);
    live_failed_at_ = std::chrono::steady_clock::now();
    return voices_;
  }
  std::lock_guard lock(live_mutex_);
  live_failed_at_.reset();
  live_.clear();
  live_by_name_.clear();
  live_ids_.clear();
  for (auto& v : *fetched) {
    if (table_.find(v.voice_id)) continue;  // already in the table under the seed's name
    live_by_name_.emplace(lower(v.name), v.voice_id);
    live_ids_.insert(v.voice_id);
    live_.push_back(std::move(v));
  }
  live_fetched_ = true;
  live_fetched_at_ = std::chrono::steady_clock::now();
  voices_ = merged_locked();
  return voices_;
}

VoiceList ElevenLabsProvider::merged_locked() const {
  std::vector<VoiceInfo> out = table_.voices();
  out.insert(out.end(), live_.begin(), live_.end());
  return out;
}

Result<std::vector<VoiceInfo>> ElevenLabsProvider::fetch_voices(const CancelToken* cancel) const {
  http::HttpClientRequest request;
  request.url = config_.base_url + "/v1/voices";
  request.headers = {{"xi-api-key", config_.api_key}, {"Accept", "application/json"}};
  request.connect_timeout = config_.settings.connect_timeout;
  request.total_timeout = config_.settings.request_timeout;
  request.cancel = cancel;
  auto response = exchange(*http_, config_.name, request, config_.api_key);
  if (!response) return response.take_error();
  const json doc = parse_untrusted_json(response->body);
  if (doc.is_discarded() || !doc.contains("voices") || !doc["voices"].is_array()) {
    return Error{ErrorKind::kUnavailable, config_.name + ": GET /v1/voices: no voice list", ""};
  }
  std::vector<VoiceInfo> out;
  for (const auto& v : doc["voices"]) {
    if (!v.is_object() || !v.value("voice_id", json()).is_string()) continue;
    VoiceInfo info;
    info.voice_id = v["voice_id"].get<std::string>();
    info.name = v.value("name", json()).is_string() ? v["name"].get<std::string>() : info.voice_id;
    if (auto labels = v.find("labels"); labels != v.end() && labels->is_object()) {
      // value(key, "") throws when the key holds another type (null, a number): read strings only.
      const auto text = [&labels](const char* key) {
        const json& found = labels->value(key, json());
        return found.is_string() ? found.get<std::string>() : std::string();
      };
      const std::string gender = lower(text("gender"));
      if (gender == "male" || gender == "female") info.gender = gender;
      info.language = text("language");
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::optional<std::string> ElevenLabsProvider::resolve_voice(std::string_view voice) const {
  std::string_view wanted = voice;
  if (lower(voice) == "default") wanted = config_.default_voice;
  // The table's names and ids, then the account's (the live list), then what the table passes
  // through (accept_any_voice): a table that takes any voice must not hide the account's names.
  if (auto id = table_.find(wanted)) return id;
  {
    std::lock_guard lock(live_mutex_);
    if (auto it = live_by_name_.find(lower(wanted)); it != live_by_name_.end()) return it->second;
    if (live_ids_.count(wanted)) return std::string(wanted);
  }
  if (auto id = table_.resolve(wanted)) return id;
  if (looks_like_voice_id(wanted)) return std::string(wanted);
  return std::nullopt;
}

Result<audio::EncodedAudio> ElevenLabsProvider::audio_with_timestamps(const std::string& body,
                                                                      std::string_view text) const {
  const json doc = parse_untrusted_json(body);
  const auto no_audio = [this](const std::string& why) {
    return Error{ErrorKind::kUnavailable, config_.name + ": /with-timestamps answer " + why, ""};
  };
  // Members are read in place (the answer may be tens of megabytes: never copied).
  static const json kNone;
  const auto member = [](const json& object, const char* name) -> const json& {
    if (!object.is_object()) return kNone;
    const auto it = object.find(name);
    return it == object.end() ? kNone : *it;
  };
  const json& audio_base64 = member(doc, "audio_base64");
  if (!audio_base64.is_string()) return no_audio("is not JSON with \"audio_base64\"");
  auto bytes = decode_base64(audio_base64.get_ref<const std::string&>());
  if (!bytes || bytes->empty()) return no_audio("has no base64 audio");
  audio::EncodedAudio out;
  out.bytes = std::move(*bytes);
  // The characters of the text sent, each with its start and end in seconds; an answer without
  // a usable alignment is still audio (the block's timings then come from its pauses). One
  // entry per character spoken, which the vendor's normalization (numbers read out) may make a
  // few times the text's bytes, never more: a longer list is not an alignment of this text.
  const json& alignment = member(doc, "alignment");
  const json& characters = member(alignment, "characters");
  const json& starts = member(alignment, "character_start_times_seconds");
  const json& ends = member(alignment, "character_end_times_seconds");
  if (!characters.is_array() || !starts.is_array() || !ends.is_array() ||
      characters.size() != starts.size() || characters.size() != ends.size() ||
      characters.size() > 4 * text.size() + 64) {
    return out;
  }
  std::vector<TimedText> entries;
  for (std::size_t i = 0; i < characters.size(); ++i) {
    if (!characters[i].is_string() || !starts[i].is_number() || !ends[i].is_number()) continue;
    entries.push_back(
        {characters[i].get<std::string>(), starts[i].get<double>(), ends[i].get<double>()});
  }
  constexpr std::size_t kCharacterWindow = 16;  // bytes a skipped character may leave behind
  out.marks = marks_from_timed_text("elevenlabs", text, entries, kCharacterWindow);
  if (out.marks.marks.empty()) out.marks = {};
  return out;
}

Result<audio::EncodedAudio> ElevenLabsProvider::synthesize(const SynthesisRequest& request) {
  json body = {{"text", request.text}, {"model_id", config_.model}};
  if (!request.previous_text.empty()) body["previous_text"] = request.previous_text;
  if (!request.next_text.empty()) body["next_text"] = request.next_text;
  const ElevenLabsVoiceSettings& vs = config_.voice_settings;
  // The configured speed, when given, is the pace the block's speed multiplies; without either
  // the voice's own speed applies.
  std::optional<double> speed = vs.speed;
  if (request.speed != 1.0) {
    speed = config_.native_speed.absolute(vs.speed.value_or(1.0), request.speed);
  }
  if (!vs.empty() || speed) {
    json settings = json::object();
    if (vs.stability) settings["stability"] = *vs.stability;
    if (vs.similarity_boost) settings["similarity_boost"] = *vs.similarity_boost;
    if (vs.style) settings["style"] = *vs.style;
    if (vs.use_speaker_boost) settings["use_speaker_boost"] = *vs.use_speaker_boost;
    if (speed) settings["speed"] = *speed;
    body["voice_settings"] = std::move(settings);
  }
  // With word marks wanted, the same speech from /with-timestamps: JSON holding the audio in
  // base64 and each character's start and end.
  std::string url = config_.base_url + "/v1/text-to-speech/" +
                    http::percent_encode(request.voice_id) +
                    (request.word_marks ? "/with-timestamps" : "") +
                    "?output_format=" + http::percent_encode(config_.output_format);
  if (config_.enable_logging && !*config_.enable_logging) url += "&enable_logging=false";
  auto http_request =
      json_post(std::move(url), body.dump(-1, ' ', false, json::error_handler_t::replace),
                config_.settings, request.cancel);
  http_request.headers.emplace_back("xi-api-key", config_.api_key);
  auto response = exchange(*http_, config_.name, http_request, config_.api_key);
  if (!response) return response.take_error();
  audio::EncodedAudio out;
  if (request.word_marks) {
    auto timed = audio_with_timestamps(response->body, request.text);
    if (!timed) {
      // Not the JSON of that route: the vendor's own error (a rate limit stays one).
      if (auto error = non_audio_error(config_.name, *response, config_.api_key)) return *error;
      return timed.take_error();
    }
    out = std::move(timed.value());
  } else {
    if (auto error = non_audio_error(config_.name, *response, config_.api_key)) return *error;
    out.bytes = std::move(response->body);
  }
  if (pcm_rate_ > 0) {
    out.encoding = audio::AudioEncoding::kPcmS16le;
    out.sample_rate = pcm_rate_;
  }
  return out;
}

}  // namespace polyvox
