#include "providers/voice_table.h"

#include <cctype>

namespace polyvox {

extern const std::string_view kGhaymahVoiceList;  // ghaymah_voice_list.cpp

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct SeedVoice {
  const char* name;
  const char* id;
  const char* gender;
};

// The replaced service's ElevenLabs names -> ids (docs/history.md), premade English voices.
constexpr SeedVoice kElevenLabsVoices[] = {
    {"rachel", "21m00Tcm4TlvDq8ikWAM", "female"}, {"clyde", "2EiwWnXFnvU5JabPnv8n", "male"},
    {"roger", "CwhRBWXzGAHq8TQ4Fs17", "male"},    {"sarah", "EXAVITQu4vr4xnSDxMaL", "female"},
    {"laura", "FGY2WhTYpPnrIDTdsKH5", "female"},  {"thomas", "GBv7mTt0atIp3Br8iCZE", "male"},
    {"charlie", "IKne3meq5aSn9XLyUdCD", "male"},  {"george", "JBFqnCBsd6RMkjVDRZzb", "male"},
    {"callum", "N2lVS1w4EtoT3dr4eOWO", "male"},   {"river", "SAz9YHcvj6GT2YYXdXww", ""},
    {"harry", "SOYHLrjzK2X1ezoPC6cr", "male"},    {"liam", "TX3LPaxmHKxFdv7VOQHJ", "male"},
    {"alice", "Xb7hH8MSUJpSbSDYk0k2", "female"},  {"matilda", "XrExE9yKIg1WjnnlVkGX", "female"},
    {"will", "bIHbv24MWmeRgasZH58o", "male"},     {"jessica", "cgSgspJ2msm6clMCkdW9", "female"},
    {"eric", "cjVigY5qzO86Huf0OWal", "male"},     {"chris", "iP95p4xoKVk53GoZ742B", "male"},
    {"brian", "nPczCjzI2devNBz1zQrb", "male"},    {"daniel", "onwK4e9ZLuTAKqWW03F9", "male"},
    {"lily", "pFZP5JQG7iQjIQuC4Bku", "female"},   {"bill", "pqHfZKP75CvOlQylNhV4", "male"},
};

// OpenAI's speech voices (tts-1, tts-1-hd, gpt-4o-mini-tts); the model speaks many languages.
constexpr const char* kOpenAiVoices[] = {"alloy", "ash",   "ballad", "coral", "echo",
                                         "fable", "onyx",  "nova",   "sage",  "shimmer",
                                         "verse", "marin", "cedar"};

}  // namespace

void VoiceTable::add(VoiceInfo voice) {
  const std::string key = lower(voice.name);
  ids_.insert(voice.voice_id);
  if (auto it = by_name_.find(key); it != by_name_.end()) {
    voices_[it->second] = std::move(voice);
    return;
  }
  by_name_.emplace(key, voices_.size());
  voices_.push_back(std::move(voice));
}

std::optional<std::string> VoiceTable::lookup(std::string_view voice) const {
  if (auto it = by_name_.find(lower(voice)); it != by_name_.end()) {
    return voices_[it->second].voice_id;
  }
  if (ids_.count(voice)) return std::string(voice);
  return std::nullopt;
}

std::optional<std::string> VoiceTable::resolve(std::string_view voice) const {
  if (voice.empty()) return std::nullopt;
  if (auto id = lookup(voice)) return id;
  if (lower(voice) == "default" && !default_.empty()) {
    if (auto id = lookup(default_)) return id;
    if (accept_any_) return default_;
    return std::nullopt;
  }
  if (accept_any_) return std::string(voice);
  return std::nullopt;
}

VoiceTable voice_table_for(const CloudProviderConfig& config) {
  VoiceTable table;
  auto builtin = builtin_voice_table(config.voice_table);
  for (auto& v : *builtin) table.add(std::move(v));
  for (const auto& [name, id] : config.voices) table.add({name, id, "", ""});
  table.set_default(config.default_voice);
  table.set_accept_any(config.accept_any_voice);
  return table;
}

const std::vector<std::string>& ghaymah_voice_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    std::string_view rest = kGhaymahVoiceList;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      if (!line.empty()) out.emplace_back(line);
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
    return out;
  }();
  return names;
}

std::optional<std::vector<VoiceInfo>> builtin_voice_table(std::string_view name) {
  std::vector<VoiceInfo> out;
  if (name == "none") return out;
  if (name == "elevenlabs") {
    for (const auto& v : kElevenLabsVoices) out.push_back({v.name, v.id, "en", v.gender});
    return out;
  }
  if (name == "openai") {
    for (const char* v : kOpenAiVoices) out.push_back({v, v, "", ""});
    return out;
  }
  if (name == "ghaymah") {
    for (const auto& v : ghaymah_voice_names()) {
      // "ar-SA-HamedNeural" speaks ar-SA: the language is everything before the last dash.
      const auto dash = v.rfind('-');
      out.push_back({v, v, dash == std::string::npos ? "" : v.substr(0, dash), ""});
    }
    return out;
  }
  if (name == "ghaymah_pro") {
    out = {{"male-1", "0", "ar", "male"},
           {"male-2", "1", "ar", "male"},
           {"female-1", "2", "ar", "female"},
           {"female-2", "3", "ar", "female"}};
    return out;
  }
  if (name == "kokoro") {
    out = {{"default", "0", "", ""}};
    return out;
  }
  return std::nullopt;
}

}  // namespace polyvox
