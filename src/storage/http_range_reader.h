// A BlobReader over HTTP: reads a byte range of a remote object (S3, a Cloudinary delivery URL)
// through ranged GETs of at most `chunk_bytes` each, so that memory stays bounded whatever the
// range; and the BlobInfo of a HEAD answer. Shared by the remote blob stores.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/http_client.h"
#include "storage/blob_store.h"

namespace polyvox {

// The most a remote blob store's get() reads into memory: a segment (a 5000-character block at
// a quarter of its speed in 48 kHz WAV is ~130 MB) or a cover. Above the HTTP client's default
// cap of 64 MiB; final files, of any size, are read in ranges (open()).
inline constexpr std::size_t kMaxWholeBlobBytes = std::size_t{1} << 30;

class HttpRangeReader : public BlobReader {
 public:
  // Sends one GET with `Range: {range}` ("bytes=first-last") and, when `if_match` is not empty,
  // `If-Match: {if_match}`. Returns the response, or the transport error.
  using Fetch = std::function<Result<http::HttpClientResponse>(const std::string& range,
                                                               const std::string& if_match)>;
  // The error for a response that is neither 200 nor 206 (e.g. 404 → kNotFound).
  using Refusal = std::function<Error(const http::HttpClientResponse&)>;

  // A reader of bytes [offset, offset + length). The first chunk is fetched here, so that a
  // missing object or an unreachable server is reported by open() (errors from `fetch` and
  // `refusal`). Every later chunk must carry the first chunk's ETag (and is asked for with
  // If-Match): an object replaced while being read is kIo, as is one shorter than the range.
  static Result<std::unique_ptr<BlobReader>> open(Fetch fetch, Refusal refusal, uint64_t offset,
                                                  uint64_t length, std::size_t chunk_bytes);

  // Up to `size` bytes; 0 at the end of the range. Not thread-safe (one reader, one reader thread).
  Result<std::size_t> read(char* buffer, std::size_t size) override;

 private:
  HttpRangeReader(Fetch fetch, Refusal refusal, uint64_t offset, uint64_t length,
                  std::size_t chunk_bytes);
  // Replaces the buffer with the next chunk of the range.
  Status fetch_next();

  Fetch fetch_;
  Refusal refusal_;
  uint64_t next_offset_;  // first byte not fetched yet
  uint64_t end_;          // one past the last byte of the range
  std::size_t chunk_bytes_;
  bool fetched_once_ = false;
  std::string etag_;  // of the first chunk; empty if the server sent none
  std::string buffer_;
  std::size_t buffer_pos_ = 0;
};

// Size, ETag (without quotes and W/) and Last-Modified of an object from the answer to a HEAD
// request; nullopt when it has no usable Content-Length. The etag is empty when none was sent.
std::optional<BlobInfo> blob_info_of(const http::HttpClientResponse& head);

}  // namespace polyvox
