// Per-provider settings that the resilience layer (providers/resilient_provider.h) applies around
// a provider: how many requests may be in flight, how long one may take, where to fall back.
// Built from the configuration (providers/provider_config.h); handed out by ProviderRegistry.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/job.h"  // VoiceChoice

namespace polyvox {

struct ProviderSettings {
  // Ceiling of the requests to this provider in flight at once, across the process (the live
  // limit adapts under it: adaptive_limit.h); 0 = no limit of its own.
  int max_concurrency = 0;
  // Time to connect (TCP + TLS) and for one whole request; the provider applies both to each
  // HTTP request it sends.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  // Tried in order when a block's provider fails with a final error or stays unavailable.
  std::vector<VoiceChoice> fallback;
};

}  // namespace polyvox
