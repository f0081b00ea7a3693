// What validation needs to know about providers, without depending on them: which names exist,
// which are usable, and whether a voice belongs to a provider.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

class ProviderDirectory {
 public:
  virtual ~ProviderDirectory() = default;

  // Names of the providers that can be used now, sorted. Thread-safe.
  virtual std::vector<std::string> usable_providers() const = 0;

  // Empty when `provider` is usable; otherwise why not ("unknown provider", "ELEVENLABS_API_KEY
  // is not set", ...). Thread-safe.
  virtual std::string unusable_reason(std::string_view provider) const = 0;

  // True when the usable `provider` has `voice` (any spelling it accepts, "default" included).
  // Thread-safe.
  virtual bool has_voice(std::string_view provider, std::string_view voice) const = 0;

  // A few voice names of `provider` to suggest in an error message. Thread-safe.
  virtual std::vector<std::string> example_voices(std::string_view provider) const = 0;

  // The scripts `voice` of the usable `provider` reads (ISO 15924 names as Unicode spells them,
  // core/letters.h: "Latin", "Arabic", "Han", ...); empty when it reads any script (multilingual
  // vendor voices) or nothing is known of it. Thread-safe.
  virtual std::vector<std::string> voice_scripts(std::string_view provider,
                                                 std::string_view voice) const {
    return {};
  }

  // Up to `max` suggestions of usable voices that read `script`, for an error message:
  // "provider:voice" for a voice declared for it, "provider (any voice)" for a provider whose
  // voices read any script. Thread-safe.
  virtual std::vector<std::string> voices_for_script(std::string_view script,
                                                     std::size_t max) const {
    return {};
  }
};

}  // namespace polyvox
