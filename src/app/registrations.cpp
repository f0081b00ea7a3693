#include "app/registrations.h"

#include "providers/elevenlabs_provider.h"
#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"
#include "providers/ghaymah_pro_provider.h"
#include "providers/kokoro_provider.h"
#include "providers/openai_provider.h"
#include "storage/cloudinary_blob_store.h"
#include "storage/local_blob_store.h"
#include "storage/s3_blob_store.h"
#include "text/embedded_diacritizer_kind.h"
#include "text/http_diacritizer.h"

namespace polyvox {

ProviderKinds provider_kinds() {
  ProviderKinds kinds;
  kinds.add(elevenlabs_provider_kind());
  kinds.add(openai_provider_kind());
  kinds.add(ghaymah_pro_provider_kind());
  kinds.add(kokoro_provider_kind());
  return kinds;
}

LocalProviderKinds local_provider_kinds() {
  LocalProviderKinds kinds;
  kinds.add(espeak_provider_kind());
  kinds.add(flite_provider_kind());
  return kinds;
}

BlobStoreKinds blob_store_kinds() {
  BlobStoreKinds kinds;
  kinds.add(local_blob_store_kind());
  kinds.add(s3_blob_store_kind());
  kinds.add(cloudinary_blob_store_kind());
  return kinds;
}

DiacritizerKinds diacritizer_kinds() {
  DiacritizerKinds kinds;
  kinds.add(embedded_diacritizer_kind());
  kinds.add(http_diacritizer_kind());
  kinds.add(no_diacritizer_kind());
  return kinds;
}

}  // namespace polyvox
