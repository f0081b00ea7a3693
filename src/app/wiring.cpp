#include "app/wiring.h"

#include <stdexcept>

#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"
#include "text/embedded_diacritizer.h"

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
  if (config.diacritizer == "embedded") {
    auto embedded =
        EmbeddedDiacritizer::create(config.models_dir + "/" + EmbeddedDiacritizer::kModelFile,
                                    config.models_dir + "/" + EmbeddedDiacritizer::kLexiconFile);
    if (!embedded) throw std::invalid_argument(embedded.error().to_string());
    return std::move(embedded.value());
  }
  // "http" (DIACRITIZER_URL) is built here once the http diacritizer exists.
  throw std::invalid_argument("DIACRITIZER must be 'embedded' or 'none' (got '" +
                              config.diacritizer + "')");
}

}  // namespace polyvox
