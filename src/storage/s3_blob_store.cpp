#include "storage/s3_blob_store.h"

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "storage/digest.h"
#include "storage/http_range_reader.h"
#include "storage/local_blob_store.h"

namespace polyvox {
namespace {

// The text of the first <tag>...</tag> of an S3 error document; "" if absent.
std::string xml_element(const std::string& xml, const std::string& tag) {
  const std::string open = "<" + tag + ">";
  const auto start = xml.find(open);
  if (start == std::string::npos) return "";
  const auto end = xml.find("</" + tag + ">", start);
  if (end == std::string::npos) return "";
  return xml.substr(start + open.size(), end - start - open.size());
}

std::string content_type_for(const std::string& key) {
  const auto dot = key.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : key.substr(dot + 1);
  if (ext == "mp3") return "audio/mpeg";
  if (ext == "wav") return "audio/wav";
  if (ext == "ogg" || ext == "opus") return "audio/ogg";
  if (ext == "flac") return "audio/flac";
  if (ext == "m4a" || ext == "m4b" || ext == "aac") return "audio/mp4";
  if (ext == "json") return "application/json";
  return "application/octet-stream";
}

// Unix epoch milliseconds of an ISO 8601 UTC time as S3 lists it ("2024-05-01T12:30:05.123Z");
// 0 when it is not one.
int64_t iso8601_ms(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return int64_t{::timegm(&tm)} * 1000 + millis;
}

Error bad_key(const std::string& key) {
  return Error{ErrorKind::kInternal, "unsafe blob key '" + key + "'", ""};
}

}  // namespace

S3BlobStore::S3BlobStore(S3Options options, std::shared_ptr<const http::HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)) {
  if (options_.bucket.empty()) throw std::invalid_argument("S3_BUCKET_NAME is not set");
  if (options_.access_key.empty()) throw std::invalid_argument("S3_ACCESS_KEY is not set");
  if (options_.secret_key.empty()) throw std::invalid_argument("S3_SECRET_KEY is not set");
  if (options_.region.empty()) options_.region = "us-east-1";
  if (options_.presign_expires_s < 1 || options_.presign_expires_s > 604800) {
    throw std::invalid_argument("S3_PRESIGN_EXPIRES_SECONDS must be between 1 and 604800");
  }
  while (!options_.public_base_url.empty() && options_.public_base_url.back() == '/') {
    options_.public_base_url.pop_back();
  }
  if (options_.endpoint_url.empty()) {
    scheme_ = "https";
    host_ = options_.bucket + ".s3." + options_.region + ".amazonaws.com";
  } else {
    const std::string& url = options_.endpoint_url;
    const auto colon = url.find("://");
    scheme_ = colon == std::string::npos ? "" : url.substr(0, colon);
    if (scheme_ != "http" && scheme_ != "https") {
      // The value is echoed only when it holds no user info (a key may be written there).
      throw std::invalid_argument(
          url.find('@') == std::string::npos
              ? "S3_ENDPOINT_URL must be an http(s) URL, got '" + url + "'"
              : std::string("S3_ENDPOINT_URL must be an http(s) URL without user info"));
    }
    const std::string rest = url.substr(colon + 3);
    const auto slash = rest.find('/');
    host_ = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (host_.empty() || host_.find_first_of("@?#") != std::string::npos) {
      throw std::invalid_argument("S3_ENDPOINT_URL must be http(s)://host[:port][/path]");
    }
    // libcurl sends Host without the scheme's default port; the signatures must agree.
    const std::string default_port = scheme_ == "https" ? ":443" : ":80";
    if (host_.size() > default_port.size() &&
        host_.compare(host_.size() - default_port.size(), default_port.size(), default_port) == 0) {
      host_.resize(host_.size() - default_port.size());
    }
    bucket_path_ = prefix + "/" + sigv4::uri_encode(options_.bucket, false);
  }
  credentials_ = {options_.access_key, options_.secret_key, options_.region, "s3"};
}

std::string S3BlobStore::object_url(const std::string& key) const {
  return scheme_ + "://" + host_ + bucket_path_ + "/" + sigv4::uri_encode(key, true);
}

Result<http::HttpClientResponse> S3BlobStore::send(http::HttpClientRequest request,
                                                   std::chrono::milliseconds timeout) const {
  request.aws_sigv4 = http::AwsSigV4{"aws:amz:" + options_.region + ":s3", options_.access_key,
                                     options_.secret_key};
  request.total_timeout = timeout.count() > 0 ? timeout : options_.timeout;
  // GET, HEAD and DELETE carry no payload: its hash is that of the empty string.
  if (request.body.empty() && request.body_file.empty() && request.method != "PUT") {
    request.headers.emplace_back("x-amz-content-sha256", digest::sha256_hex(""));
  }
  return http_->send(request);
}

Error S3BlobStore::refusal(const std::string& what,
                           const http::HttpClientResponse& response) const {
  const std::string code = xml_element(response.body, "Code");
  const std::string message = xml_element(response.body, "Message");
  std::string text = "s3 " + what + ": " + std::to_string(response.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += " (" + message + ")";
  if (response.status == 404 && code != "NoSuchBucket") {
    return Error{ErrorKind::kNotFound, text, ""};
  }
  if (response.status >= 500) {
    Error e{ErrorKind::kUnavailable, text, ""};
    e.retry_after_s = http::retry_after_seconds(response).value_or(0);
    return e;
  }
  if (response.status == 429) {
    Error e{ErrorKind::kRateLimited, text, ""};
    e.retry_after_s = http::retry_after_seconds(response).value_or(1);
    return e;
  }
  return Error{ErrorKind::kInternal, text, ""};
}

Status S3BlobStore::put(const std::string& key, const std::string& bytes) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.method = "PUT";
  request.url = object_url(key);
  request.headers = {{"Content-Type", content_type_for(key)},
                     {"x-amz-content-sha256", digest::sha256_hex(bytes)}};
  request.body = bytes;
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status != 200) return refusal("PUT " + key, *response);
  return Status::success();
}

Status S3BlobStore::put_file(const std::string& key, const std::filesystem::path& path) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  auto hash = digest::sha256_file_hex(path);
  if (!hash) return hash.error();
  http::HttpClientRequest request;
  request.method = "PUT";
  request.url = object_url(key);
  request.headers = {{"Content-Type", content_type_for(key)}, {"x-amz-content-sha256", *hash}};
  request.body_file = path.string();
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status != 200) return refusal("PUT " + key, *response);
  return Status::success();
}

Result<std::string> S3BlobStore::get(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.url = object_url(key);
  request.max_response_bytes = kMaxWholeBlobBytes;
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status != 200) return refusal("GET " + key, *response);
  return std::move(response->body);
}

Result<BlobInfo> S3BlobStore::stat(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.method = "HEAD";
  request.url = object_url(key);
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status != 200) return refusal("HEAD " + key, *response);
  auto info = blob_info_of(*response);
  if (!info) return Error{ErrorKind::kUnavailable, "s3 HEAD " + key + ": no Content-Length", ""};
  return *info;
}

Result<std::unique_ptr<BlobReader>> S3BlobStore::open(const std::string& key, uint64_t offset,
                                                      uint64_t length) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  const std::string url = object_url(key);
  auto fetch = [this, url](const std::string& range, const std::string& if_match) {
    http::HttpClientRequest request;
    request.url = url;
    request.headers = {{"Range", range}};
    if (!if_match.empty()) request.headers.emplace_back("If-Match", if_match);
    return send(std::move(request));
  };
  auto refused = [this, key](const http::HttpClientResponse& response) {
    return refusal("GET " + key, response);
  };
  return HttpRangeReader::open(fetch, refused, offset, length, options_.read_chunk_bytes);
}

Status S3BlobStore::remove(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.method = "DELETE";
  request.url = object_url(key);
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status == 200 || response->status == 204 || response->status == 404) {
    return Status::success();
  }
  return refusal("DELETE " + key, *response);
}

Status S3BlobStore::list(const std::string& prefix,
                         const std::function<bool(const BlobListing&)>& visit) {
  // ListObjects (version 1) paged by marker, the last key seen: S3-compatible servers implement
  // it alike, where some cannot make ListObjectsV2's continuation tokens.
  std::string marker;
  for (;;) {
    // The parameters in their SigV4 canonical order: libcurl signs the query as it is written.
    http::HttpClientRequest request;
    request.url = scheme_ + "://" + host_ + bucket_path_ + "/?";
    if (!marker.empty()) request.url += "marker=" + sigv4::uri_encode(marker, false) + "&";
    request.url += "max-keys=" + std::to_string(options_.list_page_keys) +
                   "&prefix=" + sigv4::uri_encode(prefix, false);
    auto response = send(std::move(request));
    if (!response) return response.error();
    if (response->status != 200) return refusal("LIST " + prefix, *response);
    const std::string& xml = response->body;
    std::string last;
    for (std::size_t at = xml.find("<Contents>"); at != std::string::npos;
         at = xml.find("<Contents>", at + 1)) {
      const std::size_t end = xml.find("</Contents>", at);
      if (end == std::string::npos) break;
      const std::string entry = xml.substr(at, end - at);
      BlobListing blob;
      blob.key = xml_element(entry, "Key");
      last = blob.key;
      // Our keys need no XML escaping: one that does is not ours.
      if (!is_safe_blob_key(blob.key)) continue;
      blob.size = std::strtoull(xml_element(entry, "Size").c_str(), nullptr, 10);
      blob.modified_ms = iso8601_ms(xml_element(entry, "LastModified"));
      if (!visit(blob)) return Status::success();
    }
    if (xml_element(xml, "IsTruncated") != "true" || last.empty() || last == marker) break;
    marker = last;
  }
  return Status::success();
}

bool S3BlobStore::ping() {
  http::HttpClientRequest request;
  request.method = "HEAD";
  request.url = scheme_ + "://" + host_ + (bucket_path_.empty() ? "/" : bucket_path_);
  auto response = send(std::move(request), std::chrono::milliseconds(5000));
  return response && response->status == 200;
}

std::optional<std::string> S3BlobStore::public_url(const std::string& key) {
  if (!is_safe_blob_key(key)) return std::nullopt;
  if (!options_.public_base_url.empty()) {
    return options_.public_base_url + "/" + sigv4::uri_encode(key, true);
  }
  const std::string path = bucket_path_ + "/" + sigv4::uri_encode(key, true);
  return object_url(key) + "?" +
         sigv4::presign_get_query(credentials_, host_, path, std::time(nullptr),
                                  options_.presign_expires_s);
}

BlobStoreKind s3_blob_store_kind() {
  BlobStoreKind kind;
  kind.name = "s3";
  kind.configured = [](const StorageSettings& s) { return !s.s3_bucket.empty(); };
  kind.create = [](const BlobStoreContext& context) -> Result<std::unique_ptr<BlobStore>> {
    const StorageSettings& s = context.settings;
    for (const auto& [name, value] :
         {std::pair{"S3_BUCKET_NAME", &s.s3_bucket}, std::pair{"S3_ACCESS_KEY", &s.s3_access_key},
          std::pair{"S3_SECRET_KEY", &s.s3_secret_key}}) {
      if (value->empty()) return invalid_input(name, "must be set for the s3 storage backend");
    }
    S3Options options;
    options.endpoint_url = s.s3_endpoint_url;
    options.bucket = s.s3_bucket;
    options.access_key = s.s3_access_key;
    options.secret_key = s.s3_secret_key;
    options.region = s.s3_region;
    options.public_base_url = s.public_s3_base_url;
    options.presign_expires_s = s.s3_presign_expires_s;
    try {
      return std::unique_ptr<BlobStore>(new S3BlobStore(options, context.http));
    } catch (const std::invalid_argument& e) {
      return Error{ErrorKind::kInvalidInput, e.what(), ""};
    }
  };
  return kind;
}

}  // namespace polyvox
