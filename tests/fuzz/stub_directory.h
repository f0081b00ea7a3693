// A fixed provider directory for the fuzz targets: the providers given usable with their voices
// ("default" always among them), "elevenlabs" known but unusable, everything else unknown.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/provider_directory.h"
#include "fuzz_check.h"

namespace polyvox::fuzz {

class StubDirectory : public ProviderDirectory {
 public:
  explicit StubDirectory(std::map<std::string, std::set<std::string>> voices)
      : voices_(std::move(voices)) {}

  std::vector<std::string> usable_providers() const override {
    std::vector<std::string> names;
    for (const auto& [name, voices] : voices_) names.push_back(name);
    return names;
  }
  std::string unusable_reason(std::string_view provider) const override {
    if (voices_.count(std::string(provider)) > 0) return "";
    if (provider == "elevenlabs") return "ELEVENLABS_API_KEY is not set";
    return "unknown provider";
  }
  bool has_voice(std::string_view provider, std::string_view voice) const override {
    const auto it = voices_.find(std::string(provider));
    check(it != voices_.end(), "has_voice asked about an unusable provider");
    return voice == "default" || it->second.count(std::string(voice)) > 0;
  }
  std::vector<std::string> example_voices(std::string_view provider) const override {
    const auto it = voices_.find(std::string(provider));
    if (it == voices_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::set<std::string>> voices_;
};

}  // namespace polyvox::fuzz
