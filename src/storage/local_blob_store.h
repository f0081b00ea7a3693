// BlobStore on the local file system: each key is a file under a root directory. Writes go to a
// temporary file in the same directory, are fsynced, renamed into place (atomic), and the
// directory is fsynced too (with every directory the write created): once put() returns, the
// blob survives a power loss, so a store row that names it may commit.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <functional>

#include "storage/blob_store.h"
#include "storage/blob_store_kinds.h"

namespace polyvox {

class LocalBlobStore : public BlobStore {
 public:
  // Makes what was written to a file descriptor durable (::fsync; tests observe it).
  using SyncFn = std::function<int(int fd)>;

  // Creates `root` if needed. Throws std::runtime_error when it cannot (fatal configuration).
  explicit LocalBlobStore(std::filesystem::path root, SyncFn sync = ::fsync);

  Status put(const std::string& key, const std::string& bytes) override;
  Status put_file(const std::string& key, const std::filesystem::path& path) override;
  Result<std::string> get(const std::string& key) override;
  Result<BlobInfo> stat(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> open(const std::string& key, uint64_t offset,
                                           uint64_t length) override;
  Status remove(const std::string& key) override;
  // Walks the directories under the root depth first (their entries in no particular order);
  // temporary files (".tmp-") and what is not a regular file with a safe key are skipped.
  Status list(const std::string& prefix,
              const std::function<bool(const BlobListing&)>& visit) override;
  bool ping() override;

  // The file holding `key` (for tests and tools); nullopt for an unsafe key.
  std::optional<std::filesystem::path> path_of(const std::string& key) const;

 private:
  // Creates the missing directories of `path` below root_, each made durable in its parent.
  Status make_parents(const std::filesystem::path& path);
  // fsyncs directory `dir` (a rename or a new entry in it becomes durable).
  Status sync_dir(const std::filesystem::path& dir);

  std::filesystem::path root_;
  SyncFn sync_;
};

// True when `key` is a safe relative blob key ([A-Za-z0-9._/-], no "..", no empty segment, no
// leading "/", at most 512 characters).
bool is_safe_blob_key(const std::string& key);

// The backend "local": files under POLYVOX_DATA_DIR/blobs; needs no settings.
BlobStoreKind local_blob_store_kind();

}  // namespace polyvox
