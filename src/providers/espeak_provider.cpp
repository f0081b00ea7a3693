#include "providers/espeak_provider.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <mutex>

#include "core/utf8.h"

namespace polyvox {
namespace {

// The one place that touches espeak-ng's global state: every call below holds this mutex.
std::mutex& espeak_mutex() {
  static std::mutex mutex;
  return mutex;
}

struct WordEvent {
  int character = 0;  // 1-based position of the word's first character in the text
  int length = 0;     // its characters
  int audio_ms = 0;   // where its sound starts
};

struct SynthesisSink {
  std::vector<int16_t> samples;
  std::vector<WordEvent> words;
};

int collect_samples(short* wav, int count, espeak_EVENT* events) {
  if (!events || !events->user_data) return 0;
  auto* sink = static_cast<SynthesisSink*>(events->user_data);
  if (wav && count > 0) sink->samples.insert(sink->samples.end(), wav, wav + count);
  for (const espeak_EVENT* e = events; e->type != espeakEVENT_LIST_TERMINATED; ++e) {
    if (e->type == espeakEVENT_WORD) {
      sink->words.push_back({e->text_position, e->length, e->audio_position});
    }
  }
  return 0;  // continue
}

// espeak-ng's word events as marks over `text` (UTF-8): its character positions made byte
// offsets, its times milliseconds of the samples it produced.
SpeechMarks marks_of(const std::vector<WordEvent>& words, const std::string& text) {
  std::vector<std::size_t> byte_of;  // byte offset of each character, and one past the last
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) byte_of.push_back(i);
  }
  byte_of.push_back(text.size());
  SpeechMarks out;
  out.source = "espeak";
  for (const WordEvent& w : words) {
    if (w.character < 1 || static_cast<std::size_t>(w.character) >= byte_of.size()) continue;
    const auto first = static_cast<std::size_t>(w.character - 1);
    const std::size_t last =
        std::min(byte_of.size() - 1, first + static_cast<std::size_t>(std::max(1, w.length)));
    out.marks.push_back({byte_of[first], byte_of[last], static_cast<double>(w.audio_ms), -1.0});
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The (priority, language) pairs of an espeak_VOICE.
std::vector<std::pair<int, std::string>> voice_languages(const espeak_VOICE* v) {
  std::vector<std::pair<int, std::string>> langs;
  const char* p = v->languages;
  while (p && *p) {
    const int priority = static_cast<unsigned char>(*p++);
    std::string lang = p;
    p += lang.size() + 1;
    langs.emplace_back(priority, lang);
  }
  return langs;
}

// Sample rate once initialized (> 0), or the error of the one initialization attempt.
int initialize_once() {
  static int rate = [] {
    const int r =
        espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (r > 0) espeak_SetSynthCallback(&collect_samples);
    return r;
  }();
  return rate;
}

}  // namespace

LocalProviderKind espeak_provider_kind() {
  return {"espeak", start_local_provider<EspeakProvider>};
}

Result<std::unique_ptr<EspeakProvider>> EspeakProvider::create() {
  std::lock_guard lock(espeak_mutex());
  const int rate = initialize_once();
  if (rate <= 0) {
    return Error{ErrorKind::kUnavailable, "espeak-ng could not start (voice data missing?)", ""};
  }
  std::unique_ptr<EspeakProvider> provider(new EspeakProvider());
  provider->sample_rate_ = rate;

  std::vector<VoiceInfo> voices;
  std::map<std::string, int> best_priority;  // language code -> priority of the mapped voice
  for (const espeak_VOICE** v = espeak_ListVoices(nullptr); v && *v; ++v) {
    const espeak_VOICE* voice = *v;
    const auto langs = voice_languages(voice);
    if (langs.empty() || !voice->identifier) continue;
    const std::string id = voice->identifier;
    VoiceInfo info;
    info.language = lower(langs.front().second);
    info.name = info.language;
    // Two voices of one language ("sit/yue" and "sit/yue-Latn-jyutping", which reads Cantonese
    // written in Latin letters): the later one is listed by its file's name, which also says
    // its script, so that each voice can be named and is checked against what it reads.
    if (std::any_of(voices.begin(), voices.end(),
                    [&](const VoiceInfo& listed) { return listed.name == info.name; })) {
      info.name = lower(id.substr(id.rfind('/') + 1));
      info.language = info.name;
      provider->voice_ids_[info.name] = id;
    }
    info.voice_id = id;
    info.gender = voice->gender == 1 ? "male" : (voice->gender == 2 ? "female" : "");
    voices.push_back(info);
    provider->voice_ids_[lower(id)] = id;
    if (voice->name) {
      std::string name = lower(voice->name);
      provider->voice_ids_[name] = id;
      std::replace(name.begin(), name.end(), ' ', '_');  // as `espeak-ng --voices` prints it
      provider->voice_ids_[name] = id;
    }
    for (const auto& [priority, lang] : langs) {
      const std::string key = lower(lang);
      auto it = best_priority.find(key);
      if (it == best_priority.end() || priority < it->second) {
        best_priority[key] = priority;
        provider->voice_ids_[key] = id;
      }
    }
  }
  espeak_VOICE variant_spec{};
  variant_spec.languages = "variant";
  for (const espeak_VOICE** v = espeak_ListVoices(&variant_spec); v && *v; ++v) {
    const espeak_VOICE* variant = *v;
    if (!variant->identifier) continue;
    std::string file = variant->identifier;  // "!v/f3"
    const std::string base = file.substr(file.rfind('/') + 1);
    provider->variant_ids_[lower(base)] = base;
    if (variant->name) provider->variant_ids_[lower(variant->name)] = base;
  }
  // Common languages first, so that error messages suggest them.
  static const char* const kCommon[] = {"en", "en-us", "en-gb", "ar", "fr", "de", "es", "it"};
  std::stable_sort(voices.begin(), voices.end(), [](const VoiceInfo& a, const VoiceInfo& b) {
    auto rank = [](const std::string& lang) {
      auto it = std::find(std::begin(kCommon), std::end(kCommon), lang);
      return static_cast<int>(it - std::begin(kCommon));
    };
    return rank(a.language) < rank(b.language);
  });
  provider->voices_ = std::move(voices);
  return provider;
}

std::optional<std::string> EspeakProvider::resolve_voice(std::string_view voice) const {
  std::string key = lower(voice);
  if (key == "default") key = "en";
  std::string variant;
  if (const auto plus = key.find('+'); plus != std::string::npos) {
    auto it = variant_ids_.find(key.substr(plus + 1));
    if (it == variant_ids_.end()) return std::nullopt;
    variant = "+" + it->second;
    key.resize(plus);
  }
  auto it = voice_ids_.find(key);
  if (it == voice_ids_.end()) return std::nullopt;
  return it->second + variant;
}

SpeedRange EspeakProvider::native_speed() const {
  constexpr double kNormal = espeakRATE_NORMAL;
  return {espeakRATE_MINIMUM / kNormal, espeakRATE_MAXIMUM / kNormal};
}

Result<audio::EncodedAudio> EspeakProvider::synthesize(const SynthesisRequest& request) {
  const int rate = std::clamp(static_cast<int>(std::lround(espeakRATE_NORMAL * request.speed)),
                              espeakRATE_MINIMUM, espeakRATE_MAXIMUM);
  SynthesisSink sink;
  {
    std::lock_guard lock(espeak_mutex());
    if (espeak_SetVoiceByName(request.voice_id.c_str()) != EE_OK) {
      return Error{ErrorKind::kSynthesisFailed,
                   "espeak-ng cannot load voice '" + request.voice_id + "'", ""};
    }
    espeak_SetParameter(espeakRATE, rate, 0);
    // U+0001 starts an embedded command (rate, pitch, volume for the rest of the text) and a NUL
    // ends the text: neither may come from the block.
    const std::string text = with_ascii_controls_as_spaces(request.text);
    const espeak_ERROR rc = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                         espeakCHARS_UTF8, nullptr, &sink);
    if (rc != EE_OK) {
      return Error{ErrorKind::kSynthesisFailed, "espeak-ng synthesis failed", ""};
    }
    espeak_Synchronize();
  }
  audio::EncodedAudio out;
  out.encoding = audio::AudioEncoding::kPcmS16le;
  out.sample_rate = sample_rate_;
  out.bytes.resize(sink.samples.size() * 2);
  for (std::size_t i = 0; i < sink.samples.size(); ++i) {
    const auto v = static_cast<uint16_t>(sink.samples[i]);
    out.bytes[2 * i] = static_cast<char>(v & 0xFF);
    out.bytes[2 * i + 1] = static_cast<char>(v >> 8);
  }
  out.marks = marks_of(sink.words, request.text);
  return out;
}

}  // namespace polyvox
