// What each diacritizer registers under its DIACRITIZER name ("embedded", "http", "none"), and
// the registry of them. Each diacritizer exposes its kind (http_diacritizer_kind(), ...); the
// registrations are in src/app (registrations.cpp), and wiring builds the chosen one from the
// registry (wrapped in a CachingDiacritizer).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/named_registry.h"
#include "http/http_client.h"
#include "text/diacritizer.h"

namespace polyvox {

// What a diacritizer is built from.
struct DiacritizerContext {
  std::string url;         // DIACRITIZER_URL (empty when unset)
  std::string models_dir;  // POLYVOX_MODELS_DIR
  // The process's HTTP client; null: a diacritizer that needs one makes its own.
  std::shared_ptr<const http::HttpClient> http;
};

struct DiacritizerKind {
  std::string name;  // what DIACRITIZER says
  // The diacritizer. What its settings lack (a URL, a model file) is kInvalidInput whose
  // message names the variable to set; the caller treats it as fatal start-up configuration.
  std::function<Result<std::unique_ptr<Diacritizer>>(const DiacritizerContext& context)> create;
};

// The diacritizers by name, in registration order (the order error messages list them in).
using DiacritizerKinds = NamedRegistry<DiacritizerKind>;

// The kind "none": NoDiacritizer (text unchanged), with a warning in the log when built.
DiacritizerKind no_diacritizer_kind();

}  // namespace polyvox
