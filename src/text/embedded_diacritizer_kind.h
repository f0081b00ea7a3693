// The kind "embedded" (diacritizer_kinds.h): EmbeddedDiacritizer with the model and lexicon of
// POLYVOX_MODELS_DIR, loaded on the first Arabic block (LazyDiacritizer). Kept apart from
// embedded_diacritizer.h so that the model's code and its registration change independently.
#pragma once

#include "text/diacritizer_kinds.h"

namespace polyvox {

// create(): kInvalidInput naming the missing file when the model or the lexicon is not in
// context.models_dir (checked at once: a start-up error, not a failure of the first block).
DiacritizerKind embedded_diacritizer_kind();

}  // namespace polyvox
