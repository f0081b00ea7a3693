#include "app/wiring.h"

#include <stdexcept>

#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"

namespace polyvox {

std::unique_ptr<ProviderRegistry> build_providers(const Config& config) {
  auto registry = std::make_unique<ProviderRegistry>();
  if (auto espeak = EspeakProvider::create()) {
    registry->add(std::move(espeak.value()));
  } else {
    registry->add_unusable("espeak", espeak.error().message);
  }
  if (auto flite = FliteProvider::create()) {
    registry->add(std::move(flite.value()));
  } else {
    registry->add_unusable("flite", flite.error().message);
  }
  return registry;
}

std::unique_ptr<Diacritizer> build_diacritizer(const Config& config) {
  if (config.diacritizer == "none") return std::make_unique<NoDiacritizer>();
  throw std::invalid_argument("DIACRITIZER must be 'none' (got '" + config.diacritizer + "')");
}

}  // namespace polyvox
