// What each blob store backend registers under its STORAGE_BACKEND name ("local", "s3",
// "cloudinary"), and the registry of them. Each backend's file pair exposes its kind
// (s3_blob_store_kind(), ...); the registrations are in src/app (registrations.cpp), and wiring
// builds the chosen backend, and its mirror, by looping over the registry.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/named_registry.h"
#include "http/http_client.h"
#include "storage/blob_store.h"
#include "storage/storage_settings.h"

namespace polyvox {

// What a backend is built from.
struct BlobStoreContext {
  const StorageSettings& settings;
  std::filesystem::path data_dir;                // POLYVOX_DATA_DIR
  std::shared_ptr<const http::HttpClient> http;  // never null
};

struct BlobStoreKind {
  std::string name;  // what STORAGE_BACKEND / STORAGE_MIRROR_BACKEND say
  // Whether `settings` configure this backend (its main variable is set), which makes it the
  // default mirror of another backend. Null: never chosen as a mirror unless named (local).
  std::function<bool(const StorageSettings& settings)> configured;
  // The store. A setting it needs that is missing or malformed is kInvalidInput naming the
  // variable (never with a secret in the message).
  std::function<Result<std::unique_ptr<BlobStore>>(const BlobStoreContext& context)> create;
};

// The backends by name, in registration order (the order error messages list them in, and in
// which a default mirror is looked for).
using BlobStoreKinds = NamedRegistry<BlobStoreKind>;

}  // namespace polyvox
