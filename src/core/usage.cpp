#include "core/usage.h"

#include <nlohmann/json.hpp>

namespace polyvox {

ProviderUsage& ProviderUsage::operator+=(const ProviderUsage& other) {
  calls += other.calls;
  characters += other.characters;
  cache_hits += other.cache_hits;
  failures += other.failures;
  retries += other.retries;
  return *this;
}

void add_usage(std::vector<ProviderUsage>& totals, const ProviderUsage& entry) {
  for (auto& t : totals) {
    if (t.provider == entry.provider) {
      t += entry;
      return;
    }
  }
  totals.push_back(entry);
}

std::string usage_to_json(const std::vector<ProviderUsage>& usage) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& u : usage) {
    list.push_back({{"provider", u.provider},
                    {"calls", u.calls},
                    {"characters", u.characters},
                    {"cache_hits", u.cache_hits},
                    {"failures", u.failures},
                    {"retries", u.retries}});
  }
  return list.dump();
}

std::vector<ProviderUsage> usage_from_json(const std::string& json) {
  // Stored text read back: a field of another type (a damaged row) reads as nothing, never as
  // an exception in the middle of a read.
  auto count = [](const nlohmann::json& item, const char* name) -> uint64_t {
    const auto it = item.find(name);
    return it != item.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  std::vector<ProviderUsage> usage;
  auto list = nlohmann::json::parse(json, nullptr, false);
  if (!list.is_array()) return usage;
  for (const auto& item : list) {
    if (!item.is_object()) continue;
    const auto provider = item.find("provider");
    if (provider == item.end() || !provider->is_string()) continue;
    ProviderUsage u;
    u.provider = provider->get<std::string>();
    u.calls = count(item, "calls");
    u.characters = count(item, "characters");
    u.cache_hits = count(item, "cache_hits");
    u.failures = count(item, "failures");
    u.retries = count(item, "retries");
    usage.push_back(std::move(u));
  }
  return usage;
}

}  // namespace polyvox
