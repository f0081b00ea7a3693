// What the providers cost: calls, characters sent, cache hits, failures and retries, per
// provider. Recorded per block, summed per job and per user.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polyvox {

struct ProviderUsage {
  std::string provider;
  uint64_t calls = 0;       // requests sent
  uint64_t characters = 0;  // characters sent
  uint64_t cache_hits = 0;  // answers served from the audio cache
  uint64_t failures = 0;    // requests that failed
  uint64_t retries = 0;     // later attempts of a block after a transient failure

  ProviderUsage& operator+=(const ProviderUsage& other);
};

// Adds `entry` to the entry of the same provider in `totals` (appended if absent).
void add_usage(std::vector<ProviderUsage>& totals, const ProviderUsage& entry);

// JSON array [{"provider", "calls", "characters", "cache_hits", "failures", "retries"}] and back
// (an empty list for malformed text; an entry without a provider name is skipped and a count
// that is not a non-negative integer reads as 0). Never throws.
std::string usage_to_json(const std::vector<ProviderUsage>& usage);
std::vector<ProviderUsage> usage_from_json(const std::string& json);

}  // namespace polyvox
