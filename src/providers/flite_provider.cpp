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

// The voice called `name`, registered with flite on first use (each voice's data costs memory
// only once it speaks). REQUIRES: flite_mutex() held.
cst_voice* registered_voice(const std::string& name) {
  static std::map<std::string, cst_voice*> registered;
  auto it = registered.find(name);
  if (it != registered.end()) return it->second;
  for (const auto& entry : kVoices) {
    if (name == entry.name) return registered[name] = entry.registrar(nullptr);
  }
  return nullptr;
}

}  // namespace

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
    cst_voice* voice = registered_voice(request.voice_id);
    if (!voice) {
      return Error{ErrorKind::kSynthesisFailed, "flite has no voice '" + request.voice_id + "'",
                   ""};
    }
    cst_wave* wave = flite_text_to_wave(request.text.c_str(), voice);
    if (!wave) return Error{ErrorKind::kSynthesisFailed, "flite synthesis failed", ""};
    out.sample_rate = wave->sample_rate;
    const auto* bytes = reinterpret_cast<const char*>(wave->samples);
    out.bytes.assign(bytes, bytes + static_cast<std::size_t>(wave->num_samples) * 2);
    delete_wave(wave);
  }
  return out;
}

}  // namespace polyvox
