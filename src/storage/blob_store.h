// The BlobStore seam: where segments and final files live. Implementations: local (files under
// the data directory), s3 (S3 and S3-compatible servers), cloudinary, each registered under that
// name (blob_store_kinds.h), and a mirror of two. Keys are relative paths of safe characters
// ([A-Za-z0-9._/-], no "..", no leading "/"). Every method is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace polyvox {

struct BlobInfo {
  uint64_t size = 0;
  std::string etag;  // changes whenever the content changes
  int64_t modified_ms = 0;
};

// A blob as list() finds it.
struct BlobListing {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // Unix epoch milliseconds of its last write
};

// Sequential reader of a byte range of one blob.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `size` bytes into `buffer`; 0 at the end of the range. kIo on failure.
  virtual Result<std::size_t> read(char* buffer, std::size_t size) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `bytes` under `key`, replacing any previous content; atomic: readers see the old or
  // the new content, never a part.
  virtual Status put(const std::string& key, const std::string& bytes) = 0;

  // Stores the content of the local file `path` under `key` (atomic as put). The file is left
  // in place.
  virtual Status put_file(const std::string& key, const std::filesystem::path& path) = 0;

  // The whole content. kNotFound if absent.
  virtual Result<std::string> get(const std::string& key) = 0;

  // Size and etag. kNotFound if absent.
  virtual Result<BlobInfo> stat(const std::string& key) = 0;

  // A reader of bytes [offset, offset + length). REQUIRES: the range lies within the blob.
  virtual Result<std::unique_ptr<BlobReader>> open(const std::string& key, uint64_t offset,
                                                   uint64_t length) = 0;

  // Removes the blob; removing an absent blob is OK.
  virtual Status remove(const std::string& key) = 0;

  // Calls `visit` with every blob whose key starts with `prefix`, until it returns false. The
  // blobs of one directory (keys alike up to a '/') come one after the other, with those of its
  // subdirectories (depth first, or key order); no other order is promised. Temporary files of
  // writes in flight are not blobs. A blob stored or removed meanwhile may be seen or not.
  // Errors: those of the store's reads; kInternal when the store cannot list (the default).
  // For cleanup (orphaned blobs), and for counting a few blobs under a prefix while serving a
  // request (a user's covers: `visit` stops at the limit); not for listing a whole store then.
  virtual Status list(const std::string& prefix,
                      const std::function<bool(const BlobListing&)>& visit) {
    return Error{ErrorKind::kInternal, "this blob store cannot list its blobs", ""};
  }

  // True when the store is usable (for /ready).
  virtual bool ping() = 0;

  // A URL where `key` can be fetched directly, without Polyvox in the path: a presigned or
  // public URL (s3), a delivery URL (cloudinary). nullopt when the store has no such URLs (local).
  // Computed locally, without a network round trip and without checking that the blob exists,
  // so that it may be called for every block of a job while answering a request.
  virtual std::optional<std::string> public_url(const std::string& key) { return std::nullopt; }

  // The URL of `key` in this store's mirror (STORAGE_MIRRORING), on the same terms as
  // public_url(); nullopt when the store is not mirrored or its mirror has no URLs.
  virtual std::optional<std::string> mirror_url(const std::string& key) { return std::nullopt; }
};

}  // namespace polyvox
