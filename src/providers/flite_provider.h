// Local voices from libflite (CMU Flite), in-process: slt, rms, awb, kal, kal16. Flite's
// lexicon and voice structures are shared, so synthesis is serialized inside this provider.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "providers/provider.h"
#include "providers/provider_kinds.h"

namespace polyvox {

// The local kind "flite": one instance of FliteProvider, no configuration.
LocalProviderKind flite_provider_kind();

class FliteProvider : public Provider {
 public:
  // Initializes flite once per process; each voice is registered when it first speaks.
  static Result<std::unique_ptr<FliteProvider>> create();

  const std::string& name() const override { return name_; }
  std::string kind() const override { return "flite"; }
  VoiceList voices() const override;
  // Voice names are case-insensitive; "default" is slt.
  std::optional<std::string> resolve_voice(std::string_view voice) const override;
  // flite's duration_stretch from 0.5 to 2 (the inverse of the speed): beyond it its voices
  // lose their clarity sooner than a time stretch does.
  SpeedRange native_speed() const override { return {0.5, 2.0}; }
  // Raw PCM s16le at the voice's rate (16 kHz; 8 kHz for kal); the request's speed is the
  // voice's duration_stretch (1 / speed), set for every call (the voice is shared).
  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override;

 private:
  FliteProvider() = default;

  std::string name_ = "flite";
};

}  // namespace polyvox
