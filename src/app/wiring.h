// Builds the concrete implementations of every seam from the configuration. The only place that
// names concrete classes.
#pragma once

#include <memory>

#include "app/config.h"
#include "providers/provider_registry.h"
#include "text/diacritizer.h"

namespace polyvox {

// Every provider, usable or not (with its reason).
std::unique_ptr<ProviderRegistry> build_providers(const Config& config);

// The diacritizer chosen by DIACRITIZER; throws std::invalid_argument for an unknown name.
std::unique_ptr<Diacritizer> build_diacritizer(const Config& config);

}  // namespace polyvox
