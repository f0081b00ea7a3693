#include "providers/provider_registry.h"

#include <algorithm>

#include "providers/voice_scripts.h"

namespace polyvox {

void ProviderRegistry::add(std::unique_ptr<Provider> provider) {
  const std::string name = provider->name();
  unusable_.erase(name);
  kinds_[name] = provider->kind();
  usable_.emplace(name, std::move(provider));
}

void ProviderRegistry::add(std::unique_ptr<Provider> provider, ProviderSettings settings) {
  settings_[provider->name()] = std::move(settings);
  add(std::move(provider));
}

ProviderSettings ProviderRegistry::settings_of(std::string_view name) const {
  auto it = settings_.find(name);
  return it == settings_.end() ? ProviderSettings{} : it->second;
}

void ProviderRegistry::add_unusable(const std::string& name, const std::string& reason,
                                    const std::string& kind) {
  if (usable_.count(name)) return;
  unusable_[name] = reason;
  kinds_[name] = kind.empty() ? name : kind;
}

std::string ProviderRegistry::kind_of(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? "" : it->second;
}

Provider* ProviderRegistry::find(std::string_view name) const {
  auto it = usable_.find(name);
  return it == usable_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ProviderRegistry::all_providers() const {
  std::vector<std::string> names = usable_providers();
  for (const auto& [name, reason] : unusable_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ProviderRegistry::usable_providers() const {
  std::vector<std::string> names;
  for (const auto& [name, provider] : usable_) names.push_back(name);
  return names;
}

std::string ProviderRegistry::unusable_reason(std::string_view provider) const {
  if (usable_.count(provider)) return "";
  auto it = unusable_.find(provider);
  return it == unusable_.end() ? "unknown provider" : it->second;
}

bool ProviderRegistry::has_voice(std::string_view provider, std::string_view voice) const {
  const Provider* p = find(provider);
  return p && p->resolve_voice(voice).has_value();
}

std::vector<std::string> ProviderRegistry::example_voices(std::string_view provider) const {
  std::vector<std::string> names;
  if (const Provider* p = find(provider)) {
    for (const auto& v : p->voices()) names.push_back(v.name);
  }
  return names;
}

// A voice's engine id without its variant ("en-us+f3" -> "en-us"): the variant changes the
// voice's sound, not the scripts it reads.
static std::string_view without_variant(std::string_view id) { return id.substr(0, id.find('+')); }

std::vector<std::string> ProviderRegistry::voice_scripts(std::string_view provider,
                                                         std::string_view voice) const {
  const Provider* p = find(provider);
  if (!p) return {};
  const auto id = p->resolve_voice(voice);
  if (!id) return {};
  // Every block of every submission asks: a scan of the provider's shared list, no copy of it.
  for (const VoiceInfo& info : p->voices()) {
    if (without_variant(info.voice_id) == without_variant(*id)) {
      return voice_scripts_of(info, kind_of(provider));
    }
  }
  return {};
}

std::vector<std::string> ProviderRegistry::voices_for_script(std::string_view script,
                                                             std::size_t max) const {
  std::vector<std::string> declared;  // voices declared for `script`: the most specific
  std::vector<std::string> any;       // providers whose voices read anything
  for (const auto& [name, provider] : usable_) {
    const VoiceList voices = provider->voices();
    const std::string kind = kind_of(name);
    bool reads_any = voices.empty();  // any voice its vendor has (an OpenAI-compatible server)
    for (const VoiceInfo& info : voices) {
      const auto scripts = voice_scripts_of(info, kind);
      if (scripts.empty()) {
        reads_any = true;
      } else if (std::find(scripts.begin(), scripts.end(), script) != scripts.end()) {
        declared.push_back(name + ":" + info.name);
      }
    }
    if (reads_any) any.push_back(name + " (any voice)");
  }
  declared.insert(declared.end(), any.begin(), any.end());
  if (declared.size() > max) declared.resize(max);
  return declared;
}

}  // namespace polyvox
