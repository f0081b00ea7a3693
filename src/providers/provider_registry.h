// The providers of one process, by name: those that can be used and, for those that cannot,
// why. Answers validation's questions (ProviderDirectory).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/provider_directory.h"
#include "providers/provider.h"
#include "providers/provider_settings.h"

namespace polyvox {

class ProviderRegistry : public ProviderDirectory {
 public:
  // Adds a usable provider under provider->name(). REQUIRES: the name is not registered yet.
  // Not thread-safe: register everything before sharing the registry.
  void add(std::unique_ptr<Provider> provider);
  // The same, with the settings the resilience layer applies to it (provider_settings.h).
  void add(std::unique_ptr<Provider> provider, ProviderSettings settings);

  // Records that `name` exists but cannot be used, and why ("OPENAI_API_KEY is not set").
  void add_unusable(const std::string& name, const std::string& reason,
                    const std::string& kind = "");

  // The kind of provider `name` is ("espeak", "openai", ...), or "" when unknown. Thread-safe.
  std::string kind_of(std::string_view name) const;

  // The usable provider called `name`, or nullptr. Thread-safe.
  Provider* find(std::string_view name) const;

  // The settings of `name`; ProviderSettings{} for a provider added without any or unknown.
  // Thread-safe.
  ProviderSettings settings_of(std::string_view name) const;

  // Names of every known provider, usable or not, sorted. Thread-safe.
  std::vector<std::string> all_providers() const;

  std::vector<std::string> usable_providers() const override;
  std::string unusable_reason(std::string_view provider) const override;
  bool has_voice(std::string_view provider, std::string_view voice) const override;
  std::vector<std::string> example_voices(std::string_view provider) const override;
  std::vector<std::string> voice_scripts(std::string_view provider,
                                         std::string_view voice) const override;
  std::vector<std::string> voices_for_script(std::string_view script,
                                             std::size_t max) const override;

 private:
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> usable_;
  std::map<std::string, std::string, std::less<>> unusable_;
  std::map<std::string, std::string, std::less<>> kinds_;
  std::map<std::string, ProviderSettings, std::less<>> settings_;
};

}  // namespace polyvox
