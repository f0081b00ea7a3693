// BlobStore on Cloudinary (docs/providers.md): each key is a `raw` asset whose public_id
// is the key itself (extension kept), uploaded with a signed request and read back through its
// delivery URL https://res.cloudinary.com/{cloud}/raw/upload/v{version}/{public_id}.
//
// Versions: Cloudinary gives each upload a version, returned in the upload's answer. The store
// remembers the versions of what it uploaded (a bounded in-memory index) and puts them in the
// URLs it builds. A key it has not uploaded itself (another node did) is addressed without a
// version, which Cloudinary serves as the latest version: Polyvox keys are written once, so both
// forms name the same bytes, and no lookup is ever needed to build a URL.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/http_client.h"
#include "storage/blob_store.h"
#include "storage/blob_store_kinds.h"

namespace polyvox {

struct CloudinaryOptions {
  std::string cloud_name;  // from CLOUDINARY_URL
  std::string api_key;     // from CLOUDINARY_URL
  std::string api_secret;  // from CLOUDINARY_URL (never logged, never in an error)
  std::string api_base_url = "https://api.cloudinary.com/v1_1";  // CLOUDINARY_API_BASE_URL
  std::string delivery_base_url = "https://res.cloudinary.com";  // CLOUDINARY_DELIVERY_BASE_URL
  std::chrono::milliseconds timeout{120'000};                    // per request, the whole exchange
  std::size_t read_chunk_bytes = 1u << 20;       // bytes per ranged GET of an open() reader
  std::size_t max_upload_bytes = 100u << 20;     // uploads are sent from memory: the cap
  std::size_t version_index_capacity = 100'000;  // versions remembered (oldest forgotten first)
  // Unix time of the signed requests; the system clock when null (tests pin it).
  std::function<std::time_t()> now;
};

// The fields of CLOUDINARY_URL (cloudinary://<api_key>:<api_secret>@<cloud_name>) put into
// `options`. kInvalidInput with field CLOUDINARY_URL when malformed; the message never contains
// the secret.
Status parse_cloudinary_url(std::string_view url, CloudinaryOptions& options);

// Cloudinary's request signature: the parameters (excluding file, cloud_name, resource_type,
// api_key and the signature itself) sorted by name, joined as name=value with '&', the secret
// appended directly, SHA-1 in hex.
std::string cloudinary_signature(const std::map<std::string, std::string>& params,
                                 std::string_view api_secret);

class CloudinaryBlobStore : public BlobStore {
 public:
  // Throws std::invalid_argument naming CLOUDINARY_URL when cloud name, key or secret is empty.
  // REQUIRES: http != null.
  CloudinaryBlobStore(CloudinaryOptions options, std::shared_ptr<const http::HttpClient> http);

  // Signed upload (POST {api}/{cloud}/raw/upload, multipart: file, api_key, timestamp,
  // public_id, signature); remembers the version answered. put_file reads the file into memory
  // (kPayloadTooLarge over max_upload_bytes). Errors as Cloudinary sends them: 420/429
  // kRateLimited, 5xx kUnavailable, 400/401/403/404 kInternal with Cloudinary's message.
  Status put(const std::string& key, const std::string& bytes) override;
  Status put_file(const std::string& key, const std::filesystem::path& path) override;
  // GET of the delivery URL; kNotFound for 404.
  Result<std::string> get(const std::string& key) override;
  // HEAD of the delivery URL: Content-Length, ETag (else "v{version}"), Last-Modified.
  Result<BlobInfo> stat(const std::string& key) override;
  // Ranged GETs of the delivery URL (HttpRangeReader). REQUIRES: the store outlives the reader.
  Result<std::unique_ptr<BlobReader>> open(const std::string& key, uint64_t offset,
                                           uint64_t length) override;
  // Signed destroy (POST {api}/{cloud}/raw/destroy with invalidate=true); "not found" is OK.
  Status remove(const std::string& key) override;
  // No network: Cloudinary's only ping is the rate-limited Admin API. False while the last
  // request failed for want of Cloudinary (timeout, connection, 5xx) less than 30 s ago.
  bool ping() override;
  // The delivery URL (with the version when this store uploaded the key).
  std::optional<std::string> public_url(const std::string& key) override;

  // The delivery URL of `key`: ".../raw/upload/v{version}/{key}", or without "v{version}/"
  // when the version is not known here.
  std::string delivery_url(const std::string& key) const;
  // The version remembered for `key`, if any.
  std::optional<int64_t> version_of(const std::string& key) const;

 private:
  // Key → version of the uploads seen, at most `capacity` (first in, first forgotten).
  class VersionIndex {
   public:
    explicit VersionIndex(std::size_t capacity) : capacity_(capacity) {}
    void remember(const std::string& key, int64_t version);
    void forget(const std::string& key);
    std::optional<int64_t> find(const std::string& key) const;

   private:
    struct Entry {
      int64_t version;
      uint64_t entry;  // when it was remembered
    };
    std::size_t capacity_;
    mutable std::mutex mutex_;
    uint64_t entries_ = 0;
    std::unordered_map<std::string, Entry> versions_;
    std::deque<std::pair<std::string, uint64_t>> order_;  // oldest first, stale ones included
  };

  // POSTs a signed API call ("upload", "destroy") and maps refusals to errors.
  Result<http::HttpClientResponse> call(const std::string& action, const std::string& what,
                                        http::HttpClientRequest request);
  Result<http::HttpClientResponse> fetch(http::HttpClientRequest request);
  Error refusal(const std::string& what, const http::HttpClientResponse& response) const;
  // Records a request's outcome for ping().
  void note_outcome(const Result<http::HttpClientResponse>& response);
  std::time_t now() const;

  CloudinaryOptions options_;
  std::shared_ptr<const http::HttpClient> http_;
  VersionIndex versions_;
  std::atomic<int64_t> last_failure_ms_{0};  // steady clock; 0 = none since the last success
};

// The backend "cloudinary": configured by CLOUDINARY_URL (CLOUDINARY_API_BASE_URL and
// CLOUDINARY_DELIVERY_BASE_URL optional).
BlobStoreKind cloudinary_blob_store_kind();

}  // namespace polyvox
