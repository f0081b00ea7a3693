#include "providers/flite_provider.h"

#include <dlfcn.h>
#include <flite/flite.h>

#include <algorithm>
#include <cctype>

namespace polyvox {
namespace {

struct VoiceEntry {
  const char* name;
  const char* language;
  const char* gender;
};

// Each voice lives in libflite_cmu_us_NAME.so.1 (Debian's libflite1), whose
// register_cmu_us_NAME() builds it.
constexpr VoiceEntry kVoices[] = {
    {"slt", "en-us", "female"}, {"rms", "en-us", "male"},   {"awb", "en-gb-scotland", "male"},
    {"kal", "en-us", "male"},   {"kal16", "en-us", "male"},
};

// Loads the voice's library (kept loaded) and registers the voice; an error that says what is
// missing when the library or its function cannot be found.
Result<cst_voice*> load_voice(const std::string& name) {
  const std::string library = "libflite_cmu_us_" + name + ".so.1";
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Error{ErrorKind::kSynthesisFailed,
                 "flite voice '" + name + "' is not installed (" + library + ")", ""};
  }
  using Registrar = cst_voice* (*)(const char*);
  const std::string symbol = "register_cmu_us_" + name;
  auto registrar = reinterpret_cast<Registrar>(::dlsym(handle, symbol.c_str()));
  if (registrar == nullptr) {
    return Error{ErrorKind::kSynthesisFailed, library + " has no " + symbol, ""};
  }
  cst_voice* voice = registrar(nullptr);
  if (voice == nullptr) {
    return Error{ErrorKind::kSynthesisFailed, "flite could not register voice '" + name + "'", ""};
  }
  return voice;
}

// Flite's shared state (lexicon, registered voices) is touched under this mutex only.
std::mutex& flite_mutex() {
  static std::mutex mutex;
  return mutex;
}

// The voice called `name`, loaded and registered with flite on first use (each voice's data
// costs memory only once it speaks). REQUIRES: flite_mutex() held.
Result<cst_voice*> registered_voice(const std::string& name) {
  static std::map<std::string, cst_voice*> registered;
  auto it = registered.find(name);
  if (it != registered.end()) return it->second;
  for (const auto& entry : kVoices) {
    if (name != entry.name) continue;
    auto voice = load_voice(name);
    if (voice) registered[name] = *voice;
    return voice;
  }
  return Error{ErrorKind::kSynthesisFailed, "flite has no voice '" + name + "'", ""};
}

// The words of `utterance` as marks over `text`: each token of its Token relation (the text's
// white-space delimited tokens, punctuation aside) found in the text in order, heard from the
// start of its first word's first segment to the end of its last word's last segment (the
// Segment relation's end times, in seconds).
SpeechMarks marks_of(cst_utterance* utterance, const std::string& text) {
  SpeechMarks out;
  out.source = "flite";
  std::size_t cursor = 0;
  cst_relation* tokens = utt_relation(utterance, "Token");
  if (!tokens) return out;
  for (const cst_item* token = relation_head(tokens); token; token = item_next(token)) {
    const cst_item* first = item_daughter(token);
    const cst_item* last = item_last_daughter(token);
    if (!first || !last) continue;  // punctuation alone: no word, no sound
    const std::string name = item_feat_string(token, "name");
    const std::size_t at = name.empty() ? std::string::npos : text.find(name, cursor);
    if (at == std::string::npos) continue;
    cursor = at + name.size();
    const cst_item* first_segment =
        path_to_item(first, "R:SylStructure.daughter1.daughter1.R:Segment");
    const cst_item* last_segment =
        path_to_item(last, "R:SylStructure.daughtern.daughtern.R:Segment");
    if (!first_segment || !last_segment) continue;
    const cst_item* before = item_prev(first_segment);
    const double start_s = before ? item_feat_float(before, "end") : 0.0;
    out.marks.push_back(
        {at, cursor, 1000.0 * start_s, 1000.0 * item_feat_float(last_segment, "end")});
  }
  return out;
}

}  // namespace

LocalProviderKind flite_provider_kind() { return {"flite", start_local_provider<FliteProvider>}; }

Result<std::unique_ptr<FliteProvider>> FliteProvider::create() {
  std::lock_guard lock(flite_mutex());
  static const bool initialized = (flite_init(), true);
  (void)initialized;
  return std::unique_ptr<FliteProvider>(new FliteProvider());
}

std::vector<VoiceInfo> FliteProvider::voices() const {
  std::vector<VoiceInfo> out;
  for (const auto& entry : kVoices) {
    out.push_back({entry.name, entry.name, entry.language, entry.gender});
  }
  return out;
}

std::optional<std::string> FliteProvider::resolve_voice(std::string_view voice) const {
  std::string key(voice);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (key == "default") key = "slt";
  for (const auto& entry : kVoices) {
    if (key == entry.name) return key;
  }
  return std::nullopt;
}

Result<audio::EncodedAudio> FliteProvider::synthesize(const SynthesisRequest& request) {
  audio::EncodedAudio out;
  out.encoding = audio::AudioEncoding::kPcmS16le;
  {
    std::lock_guard lock(flite_mutex());
    auto voice = registered_voice(request.voice_id);
    if (!voice) return voice.take_error();
    feat_set_float((*voice)->features, "duration_stretch", static_cast<float>(1.0 / request.speed));
    cst_utterance* utterance = flite_synth_text(request.text.c_str(), *voice);
    const cst_wave* wave = utterance ? utt_wave(utterance) : nullptr;
    if (!wave) {
      if (utterance) delete_utterance(utterance);
      return Error{ErrorKind::kSynthesisFailed, "flite synthesis failed", ""};
    }
    out.sample_rate = wave->sample_rate;
    const auto* bytes = reinterpret_cast<const char*>(wave->samples);
    out.bytes.assign(bytes, bytes + static_cast<std::size_t>(wave->num_samples) * 2);
    out.marks = marks_of(utterance, request.text);
    delete_utterance(utterance);
  }
  return out;
}

}  // namespace polyvox
