// STORAGE_MIRRORING: a BlobStore that writes every object to a primary and a secondary store and
// reads from the primary only. The secondary is best effort: its failures are logged and counted
// (polyvox_storage_mirror_failures_total{operation}), never returned.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "storage/blob_store.h"

namespace polyvox {

class MirrorBlobStore : public BlobStore {
 public:
  // `secondary_name` names the secondary in logs ("s3", "cloudinary", "local"). `metrics` may
  // be null. REQUIRES: primary and secondary non-null.
  MirrorBlobStore(std::unique_ptr<BlobStore> primary, std::unique_ptr<BlobStore> secondary,
                  std::string secondary_name, MetricsRegistry* metrics);

  // The primary's result; after a success the object is also written to the secondary.
  Status put(const std::string& key, const std::string& bytes) override;
  Status put_file(const std::string& key, const std::filesystem::path& path) override;
  // From the primary only.
  Result<std::string> get(const std::string& key) override;
  Result<BlobInfo> stat(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> open(const std::string& key, uint64_t offset,
                                           uint64_t length) override;
  // From both; the primary's result.
  Status remove(const std::string& key) override;
  // The primary's blobs (removing one removes it from both).
  Status list(const std::string& prefix,
              const std::function<bool(const BlobListing&)>& visit) override;
  // The primary's: a failing mirror does not make the service unready.
  bool ping() override;
  // The primary's public URL; mirror_url is the secondary's.
  std::optional<std::string> public_url(const std::string& key) override;
  std::optional<std::string> mirror_url(const std::string& key) override;

  // Mirror writes and removals that failed so far.
  uint64_t mirror_failures() const { return failures_total_.load(); }

 private:
  void mirror_failed(const char* operation, const std::string& key, const Error& error);

  std::unique_ptr<BlobStore> primary_;
  std::unique_ptr<BlobStore> secondary_;
  std::string secondary_name_;
  Family<Counter>* failures_ = nullptr;
  std::atomic<uint64_t> failures_total_{0};
};

}  // namespace polyvox
