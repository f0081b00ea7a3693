#include <sqlite3.h>

#include "app/build_info.h"
#include "app/registrations.h"

namespace polyvox {
namespace {

template <typename Registry>
std::string names(const Registry& registry) {
  std::string out;
  for (const auto& kind : registry.all()) {
    if (!out.empty()) out += ", ";
    out += kind.name;
  }
  return out;
}

}  // namespace

std::string version_text() {
  std::string text = "polyvox " POLYVOX_VERSION " (revision ";
  text += build_revision();
  text += ")\n";
  text += "job stores: sqlite ";
  text += sqlite3_libversion();
  text += " (embedded mode), redis (distributed mode)\n";
  text += "blob stores: " + names(blob_store_kinds()) + "\n";
  text += "local voices: " + names(local_provider_kinds()) + "\n";
  text += "cloud provider kinds: " + names(provider_kinds()) + "\n";
  text += "diacritizers: " + names(diacritizer_kinds());  // CLI11 ends the line
  return text;
}

}  // namespace polyvox
