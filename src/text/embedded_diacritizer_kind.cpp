#include "text/embedded_diacritizer_kind.h"

#include <filesystem>

#include "text/embedded_diacritizer.h"
#include "text/lazy_diacritizer.h"

namespace polyvox {

DiacritizerKind embedded_diacritizer_kind() {
  DiacritizerKind kind;
  kind.name = "embedded";
  kind.create = [](const DiacritizerContext& context) -> Result<std::unique_ptr<Diacritizer>> {
    const std::string model = context.models_dir + "/" + EmbeddedDiacritizer::kModelFile;
    const std::string lexicon = context.models_dir + "/" + EmbeddedDiacritizer::kLexiconFile;
    for (const std::string& file : {model, lexicon}) {
      std::error_code ec;
      if (!std::filesystem::exists(file, ec)) {
        return Error{ErrorKind::kInvalidInput,
                     "diacritizer model file " + file +
                         " not found (POLYVOX_MODELS_DIR, or DIACRITIZER=none)",
                     ""};
      }
    }
    return std::unique_ptr<Diacritizer>(std::make_unique<LazyDiacritizer>(
        "embedded", [model, lexicon]() -> Result<std::unique_ptr<Diacritizer>> {
          auto embedded = EmbeddedDiacritizer::create(model, lexicon);
          if (!embedded) return embedded.take_error();
          return std::unique_ptr<Diacritizer>(std::move(embedded.value()));
        }));
  };
  return kind;
}

}  // namespace polyvox
