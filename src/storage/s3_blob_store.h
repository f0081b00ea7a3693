// BlobStore on S3 or an S3-compatible server (MinIO, s3rver, ...): one object per key in one
// bucket. Requests are signed with SigV4 by libcurl; public URLs are presigned by sigv4.h, or
// built on PUBLIC_S3_BASE_URL when the bucket is served publicly.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/http_client.h"
#include "storage/blob_store.h"
#include "storage/blob_store_kinds.h"
#include "storage/sigv4.h"

namespace polyvox {

struct S3Options {
  // S3_ENDPOINT_URL: "http(s)://host[:port][/path]" of an S3-compatible server, addressed
  // path-style ({endpoint}/{bucket}/{key}). Empty: AWS, virtual-hosted
  // (https://{bucket}.s3.{region}.amazonaws.com/{key}).
  std::string endpoint_url;
  std::string bucket;                // S3_BUCKET_NAME
  std::string access_key;            // S3_ACCESS_KEY
  std::string secret_key;            // S3_SECRET_KEY (never logged, never in an error)
  std::string region = "us-east-1";  // S3_REGION
  // PUBLIC_S3_BASE_URL: when set, public_url(key) is "{base}/{key}" (a public bucket, a CDN)
  // instead of a presigned URL.
  std::string public_base_url;
  int presign_expires_s = 3600;  // S3_PRESIGN_EXPIRES_SECONDS: lifetime of presigned URLs
  std::chrono::milliseconds timeout{120'000};  // per request, the whole exchange
  std::size_t read_chunk_bytes = 1u << 20;     // bytes per ranged GET of an open() reader
  int list_page_keys = 1000;                   // keys per ListObjects request of list()
};

class S3BlobStore : public BlobStore {
 public:
  // Throws std::invalid_argument naming the variable for an unusable setting (fatal
  // configuration): empty bucket or keys, an endpoint that is not http(s), presign_expires_s
  // outside [1, 604800]. Sends through `http`. REQUIRES: http != null.
  S3BlobStore(S3Options options, std::shared_ptr<const http::HttpClient> http);

  // PUT of the object, with its SHA-256 as x-amz-content-sha256 (the server checks the bytes)
  // and a Content-Type from the key's extension. put_file streams the file (hashed first, then
  // sent; never held whole in memory). Errors: kUnavailable (5xx, timeout, connection),
  // kInternal with the S3 error code (403 SignatureDoesNotMatch, AccessDenied, NoSuchBucket...).
  Status put(const std::string& key, const std::string& bytes) override;
  Status put_file(const std::string& key, const std::filesystem::path& path) override;
  // GET; kNotFound for 404 NoSuchKey. Bounded by the HTTP client's response cap.
  Result<std::string> get(const std::string& key) override;
  // HEAD: Content-Length, ETag (without quotes), Last-Modified.
  Result<BlobInfo> stat(const std::string& key) override;
  // Ranged GETs of read_chunk_bytes within [offset, offset + length) (HttpRangeReader).
  // REQUIRES: the store outlives the reader.
  Result<std::unique_ptr<BlobReader>> open(const std::string& key, uint64_t offset,
                                           uint64_t length) override;
  // DELETE; an absent object is OK.
  Status remove(const std::string& key) override;
  // ListObjects, a page of list_page_keys per request, in key order.
  Status list(const std::string& prefix,
              const std::function<bool(const BlobListing&)>& visit) override;
  // HEAD of the bucket answers 200.
  bool ping() override;
  // "{PUBLIC_S3_BASE_URL}/{key}", else a GET URL presigned for presign_expires_s from now.
  std::optional<std::string> public_url(const std::string& key) override;

  // The URL of `key` (path-style on an endpoint, virtual-hosted on AWS), unsigned.
  std::string object_url(const std::string& key) const;

 private:
  // Sends `request` signed, within `timeout` (0: options_.timeout).
  Result<http::HttpClientResponse> send(http::HttpClientRequest request,
                                        std::chrono::milliseconds timeout = {}) const;
  Error refusal(const std::string& what, const http::HttpClientResponse& response) const;

  S3Options options_;
  std::shared_ptr<const http::HttpClient> http_;
  std::string scheme_;       // "http" or "https"
  std::string host_;         // as sent in Host: the port only when not the scheme's default
  std::string bucket_path_;  // URI path of the bucket: "/prefix/bucket" or "" (virtual-hosted)
  sigv4::Credentials credentials_;
};

// The backend "s3": configured by S3_BUCKET_NAME; needs S3_ACCESS_KEY and S3_SECRET_KEY too.
BlobStoreKind s3_blob_store_kind();

}  // namespace polyvox
