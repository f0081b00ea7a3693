#include "text/diacritizer_kinds.h"

#include "log/log.h"

namespace polyvox {

DiacritizerKind no_diacritizer_kind() {
  DiacritizerKind kind;
  kind.name = "none";
  kind.create = [](const DiacritizerContext&) -> Result<std::unique_ptr<Diacritizer>> {
    log::warn("Arabic blocks are not diacritized (DIACRITIZER=none)");
    return std::unique_ptr<Diacritizer>(std::make_unique<NoDiacritizer>());
  };
  return kind;
}

}  // namespace polyvox
