#include "storage/http_range_reader.h"

#include <algorithm>
#include <cstring>

namespace polyvox {
namespace {

// The first byte of a Content-Range "bytes first-last/total"; -1 if unreadable.
long long content_range_start(const http::HttpClientResponse& response) {
  const auto value = response.header("content-range");
  if (!value || value->rfind("bytes ", 0) != 0) return -1;
  try {
    return std::stoll(value->substr(6));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

HttpRangeReader::HttpRangeReader(Fetch fetch, Refusal refusal, uint64_t offset, uint64_t length,
                                 std::size_t chunk_bytes)
    : fetch_(std::move(fetch)),
      refusal_(std::move(refusal)),
      next_offset_(offset),
      end_(offset + length),
      chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1)) {}

Result<std::unique_ptr<BlobReader>> HttpRangeReader::open(Fetch fetch, Refusal refusal,
                                                          uint64_t offset, uint64_t length,
                                                          std::size_t chunk_bytes) {
  std::unique_ptr<HttpRangeReader> reader(
      new HttpRangeReader(std::move(fetch), std::move(refusal), offset, length, chunk_bytes));
  if (length > 0) {
    if (Status s = reader->fetch_next(); !s) return s.error();
  }
  return std::unique_ptr<BlobReader>(std::move(reader));
}

Status HttpRangeReader::fetch_next() {
  const uint64_t first = next_offset_;
  const uint64_t last = std::min<uint64_t>(end_, first + chunk_bytes_) - 1;
  const uint64_t wanted = last - first + 1;
  auto response = fetch_("bytes=" + std::to_string(first) + "-" + std::to_string(last), etag_);
  if (!response) return response.error();
  if (response->status == 412) {
    return Error{ErrorKind::kIo, "the blob changed while it was being read", ""};
  }
  if (response->status == 416) {
    return Error{ErrorKind::kIo, "the blob is shorter than the range asked for", ""};
  }
  std::string body;
  if (response->status == 206) {
    if (content_range_start(*response) != static_cast<long long>(first)) {
      return Error{ErrorKind::kIo, "the server answered another range than asked", ""};
    }
    body = std::move(response->body);
  } else if (response->status == 200) {
    // The server ignored Range and sent the whole object: keep the part asked for.
    if (response->body.size() > first) body = response->body.substr(first, wanted);
  } else {
    return refusal_(*response);
  }
  if (body.size() != wanted) {
    return Error{ErrorKind::kIo, "the blob is shorter than the range asked for", ""};
  }
  const std::string etag = response->header("etag").value_or("");
  if (!fetched_once_) {
    etag_ = etag;
    fetched_once_ = true;
  } else if (!etag_.empty() && etag != etag_) {
    return Error{ErrorKind::kIo, "the blob changed while it was being read", ""};
  }
  buffer_ = std::move(body);
  buffer_pos_ = 0;
  next_offset_ = last + 1;
  return Status::success();
}

Result<std::size_t> HttpRangeReader::read(char* buffer, std::size_t size) {
  if (buffer_pos_ == buffer_.size()) {
    if (next_offset_ >= end_) return std::size_t{0};
    if (Status s = fetch_next(); !s) return s.error();
  }
  const std::size_t n = std::min(size, buffer_.size() - buffer_pos_);
  std::memcpy(buffer, buffer_.data() + buffer_pos_, n);
  buffer_pos_ += n;
  return n;
}

std::optional<BlobInfo> blob_info_of(const http::HttpClientResponse& head) {
  BlobInfo info;
  const auto length = head.header("content-length");
  if (!length || length->empty() || length->find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  info.size = std::stoull(*length);
  std::string etag = head.header("etag").value_or("");
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  info.etag = etag;
  if (auto modified = head.header("last-modified")) {
    if (auto t = http::parse_http_date(*modified)) info.modified_ms = int64_t{*t} * 1000;
  }
  return info;
}

}  // namespace polyvox
