// The registrations of the composition root: which implementation answers to which config name,
// one line per implementation, for each seam. A new vendor, storage backend or diacritizer is
// its own file pair exposing its kind, plus one line here. Each call builds a new registry (a
// plain value: no process-wide state); the order of the lines is the order in which kinds are
// listed in error messages and built-in providers are listed.
#pragma once

#include "providers/provider_kinds.h"
#include "storage/blob_store_kinds.h"
#include "text/diacritizer_kinds.h"

namespace polyvox {

// The cloud provider kinds: elevenlabs, openai, ghaymah_pro, kokoro.
ProviderKinds provider_kinds();

// The engines in the process: espeak, flite.
LocalProviderKinds local_provider_kinds();

// The blob store backends: local, s3, cloudinary.
BlobStoreKinds blob_store_kinds();

// The diacritizers: embedded, http, none.
DiacritizerKinds diacritizer_kinds();

}  // namespace polyvox
