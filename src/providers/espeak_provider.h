// Local voices from libespeak-ng, in-process. espeak-ng keeps global state, so every call into
// it goes through one guarded place (espeak_provider.cpp); synthesis is therefore serialized.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/provider_kinds.h"

namespace polyvox {

// The local kind "espeak": one instance of EspeakProvider, no configuration.
LocalProviderKind espeak_provider_kind();

class EspeakProvider : public Provider {
 public:
  // Initializes espeak-ng once per process (data from its default path). Fails with
  // kUnavailable when espeak-ng cannot start.
  static Result<std::unique_ptr<EspeakProvider>> create();

  const std::string& name() const override { return name_; }
  std::string kind() const override { return "espeak"; }
  VoiceList voices() const override { return voices_; }
  // Accepts a language code ("en", "en-us", "ar"), a voice name ("English_(America)"), a voice
  // file ("gmw/en-US"), any of them case-insensitively and optionally with "+variant"
  // ("en+f3", "en-us+Alex"); "default" is "en".
  std::optional<std::string> resolve_voice(std::string_view voice) const override;
  // Raw PCM s16le at espeak's rate (22050 Hz).
  // espeak-ng's rate, 80..450 words per minute, relative to its normal 175.
  SpeedRange native_speed() const override;
  // The request's speed is espeak-ng's rate, set for every call (the rate is global state).
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;

 private:
  EspeakProvider() = default;

  std::string name_ = "espeak";
  int sample_rate_ = 0;
  VoiceList voices_;                                // made once by create()
  std::map<std::string, std::string> voice_ids_;    // lower-case spelling -> voice file
  std::map<std::string, std::string> variant_ids_;  // lower-case variant -> variant file
};

}  // namespace polyvox
