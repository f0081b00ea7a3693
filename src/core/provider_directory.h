// What validation needs to know about providers, without depending on them: which names exist,
// which are usable, and whether a voice belongs to a provider.
#pragma once

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
};

}  // namespace polyvox
