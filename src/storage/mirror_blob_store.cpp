#include "storage/mirror_blob_store.h"

#include "log/log.h"

namespace polyvox {

MirrorBlobStore::MirrorBlobStore(std::unique_ptr<BlobStore> primary,
                                 std::unique_ptr<BlobStore> secondary, std::string secondary_name,
                                 MetricsRegistry* metrics)
    : primary_(std::move(primary)),
      secondary_(std::move(secondary)),
      secondary_name_(std::move(secondary_name)) {
  if (metrics) {
    failures_ =
        &metrics->counter("polyvox_storage_mirror_failures_total",
                          "Writes and removals the storage mirror could not make", {"operation"});
  }
}

void MirrorBlobStore::mirror_failed(const char* operation, const std::string& key,
                                    const Error& error) {
  failures_total_.fetch_add(1);
  if (failures_) failures_->with({operation}).add();
  log::warn("storage mirror failed", {{"operation", operation},
                                      {"mirror", secondary_name_},
                                      {"key", key},
                                      {"error", error.message}});
}

Status MirrorBlobStore::put(const std::string& key, const std::string& bytes) {
  Status stored = primary_->put(key, bytes);
  if (!stored) return stored;
  if (Status mirrored = secondary_->put(key, bytes); !mirrored) {
    mirror_failed("put", key, mirrored.error());
  }
  return stored;
}

Status MirrorBlobStore::put_file(const std::string& key, const std::filesystem::path& path) {
  Status stored = primary_->put_file(key, path);
  if (!stored) return stored;
  if (Status mirrored = secondary_->put_file(key, path); !mirrored) {
    mirror_failed("put", key, mirrored.error());
  }
  return stored;
}

Result<std::string> MirrorBlobStore::get(const std::string& key) { return primary_->get(key); }

Result<BlobInfo> MirrorBlobStore::stat(const std::string& key) { return primary_->stat(key); }

Result<std::unique_ptr<BlobReader>> MirrorBlobStore::open(const std::string& key, uint64_t offset,
                                                          uint64_t length) {
  return primary_->open(key, offset, length);
}

Status MirrorBlobStore::remove(const std::string& key) {
  Status removed = primary_->remove(key);
  if (Status mirrored = secondary_->remove(key); !mirrored) {
    mirror_failed("remove", key, mirrored.error());
  }
  return removed;
}

Status MirrorBlobStore::list(const std::string& prefix,
                             const std::function<bool(const BlobListing&)>& visit) {
  return primary_->list(prefix, visit);
}

bool MirrorBlobStore::ping() { return primary_->ping(); }

std::optional<std::string> MirrorBlobStore::public_url(const std::string& key) {
  return primary_->public_url(key);
}

std::optional<std::string> MirrorBlobStore::mirror_url(const std::string& key) {
  return secondary_->public_url(key);
}

}  // namespace polyvox
