#include "providers/flite_provider.h"

#include <flite/flite.h>

#include <algorithm>
#include <cctype>

extern "C" {
cst_voice* register_cmu_us_slt(const char* voxdir);
cst_voice* register_cmu_us_rms(const char* voxdir);
cst_voice* register_cmu_us_awb(const char* voxdir);
cst_voice* register_cmu_us_kal(const char* voxdir);
cst_voice* register_cmu_us_kal16(const char* voxdir);
}

namespace polyvox {
namespace {

struct VoiceEntry {
  const char* name;
  cst_voice* (*registrar)(const char*);
  const char* language;
  const char* gender;
};

constexpr VoiceEntry kVoices[] = {
    {"slt", &register_cmu_us_slt, "en-us", "female"},
    {"rms", &register_cmu_us_rms, "en-us", "male"},
    {"awb", &register_cmu_us_awb, "en-gb-scotland", "male"},
    {"kal", &register_cmu_us_kal, "en-us", "male"},
    {"kal16", &register_cmu_us_kal16, "en-us", "male"},
};

// Flite's shared state (lexicon, registered voices) is touched under this mutex only.
std::mutex& flite_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

Result<std::unique_ptr<FliteProvider>> FliteProvider::create() {
  std::lock_guard lock(flite_mutex());
  static const std::map<std::string, cst_voice*> registered = [] {
    flite_init();
    std::map<std::string, cst_voice*> voices;
    for (const auto& entry : kVoices) {
      if (cst_voice* v = entry.registrar(nullptr)) voices[entry.name] = v;
    }
    return voices;
  }();
  if (registered.empty()) return Error{ErrorKind::kUnavailable, "flite has no voices", ""};
  std::unique_ptr<FliteProvider> provider(new FliteProvider());
  for (const auto& [name, voice] : registered) provider->voices_[name] = voice;
  return provider;
}

std::vector<VoiceInfo> FliteProvider::voices() const {
  std::vector<VoiceInfo> out;
  for (const auto& entry : kVoices) {
    if (voices_.count(entry.name)) {
      out.push_back({entry.name, entry.name, entry.language, entry.gender});
    }
  }
  return out;
}

std::optional<std::string> FliteProvider::resolve_voice(std::string_view voice) const {
  std::string key(voice);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (key == "default") key = "slt";
  if (!voices_.count(key)) return std::nullopt;
  return key;
}

Result<audio::EncodedAudio> FliteProvider::synthesize(const SynthesisRequest& request) {
  auto it = voices_.find(request.voice_id);
  if (it == voices_.end()) {
    return Error{ErrorKind::kSynthesisFailed, "flite has no voice '" + request.voice_id + "'", ""};
  }
  audio::EncodedAudio out;
  out.encoding = audio::AudioEncoding::kPcmS16le;
  {
    std::lock_guard lock(flite_mutex());
    cst_wave* wave = flite_text_to_wave(request.text.c_str(), it->second);
    if (!wave) return Error{ErrorKind::kSynthesisFailed, "flite synthesis failed", ""};
    out.sample_rate = wave->sample_rate;
    const auto* bytes = reinterpret_cast<const char*>(wave->samples);
    out.bytes.assign(bytes, bytes + static_cast<std::size_t>(wave->num_samples) * 2);
    delete_wave(wave);
  }
  return out;
}

}  // namespace polyvox
