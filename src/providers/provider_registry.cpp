#include "providers/provider_registry.h"

#include <algorithm>

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

}  // namespace polyvox
