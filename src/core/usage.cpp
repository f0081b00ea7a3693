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
  std::vector<ProviderUsage> usage;
  auto list = nlohmann::json::parse(json, nullptr, false);
  if (!list.is_array()) return usage;
  for (const auto& item : list) {
    if (!item.is_object()) continue;
    ProviderUsage u;
    u.provider = item.value("provider", "");
    u.calls = item.value("calls", uint64_t{0});
    u.characters = item.value("characters", uint64_t{0});
    u.cache_hits = item.value("cache_hits", uint64_t{0});
    u.failures = item.value("failures", uint64_t{0});
    u.retries = item.value("retries", uint64_t{0});
    usage.push_back(std::move(u));
  }
  return usage;
}

}  // namespace polyvox
