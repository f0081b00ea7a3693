#include "storage/cloudinary_blob_store.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/ids.h"
#include "core/json_input.h"
#include "storage/digest.h"
#include "storage/http_range_reader.h"
#include "storage/local_blob_store.h"

namespace polyvox {
namespace {

using nlohmann::json;

// Member `name` of `object` when it is a string, else "": the answer is the vendor's, whatever
// its shape.
std::string string_member(const json& object, const char* name) {
  if (!object.is_object()) return "";
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

constexpr int64_t kUnhealthyForMs = 30'000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Error bad_key(const std::string& key) {
  return Error{ErrorKind::kInternal, "unsafe blob key '" + key + "'", ""};
}

std::string trimmed_base(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A multipart/form-data body of text fields and one file part.
class MultipartBody {
 public:
  MultipartBody() : boundary_("polyvox-" + random_hex(12)) {}
  void field(const std::string& name, const std::string& value) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name +
             "\"\r\n\r\n" + value + "\r\n";
  }
  void file(const std::string& name, const std::string& filename, const std::string& bytes) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name +
             "\"; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    body_ += bytes;
    body_ += "\r\n";
  }
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
  std::string take() {
    body_ += "--" + boundary_ + "--\r\n";
    return std::move(body_);
  }

 private:
  std::string boundary_;
  std::string body_;
};

}  // namespace

Status parse_cloudinary_url(std::string_view url, CloudinaryOptions& options) {
  static constexpr std::string_view kScheme = "cloudinary://";
  const Error malformed =
      invalid_input("CLOUDINARY_URL", "must be cloudinary://<api_key>:<api_secret>@<cloud_name>");
  if (url.substr(0, kScheme.size()) != kScheme) return malformed;
  std::string_view rest = url.substr(kScheme.size());
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return malformed;
  const std::string_view credentials = rest.substr(0, at);
  std::string_view cloud = rest.substr(at + 1);
  cloud = cloud.substr(0, cloud.find_first_of("?/#"));
  const auto colon = credentials.find(':');
  if (colon == std::string_view::npos) return malformed;
  const std::string_view key = credentials.substr(0, colon);
  const std::string_view secret = credentials.substr(colon + 1);
  if (key.empty() || secret.empty() || cloud.empty()) return malformed;
  options.api_key = std::string(key);
  options.api_secret = std::string(secret);
  options.cloud_name = std::string(cloud);
  return Status::success();
}

std::string cloudinary_signature(const std::map<std::string, std::string>& params,
                                 std::string_view api_secret) {
  std::string text;
  for (const auto& [name, value] : params) {  // std::map: sorted by name
    if (name == "file" || name == "cloud_name" || name == "resource_type" || name == "api_key" ||
        name == "signature") {
      continue;
    }
    if (!text.empty()) text += '&';
    text += name + "=" + value;
  }
  text += api_secret;
  return digest::sha1_hex(text);
}

void CloudinaryBlobStore::VersionIndex::remember(const std::string& key, int64_t version) {
  std::lock_guard lock(mutex_);
  const uint64_t entry = ++entries_;
  versions_.insert_or_assign(key, Entry{version, entry});
  order_.emplace_back(key, entry);
  while (versions_.size() > capacity_ && !order_.empty()) {
    // Only the latest entry of a key is current: older ones are skipped.
    auto it = versions_.find(order_.front().first);
    if (it != versions_.end() && it->second.entry == order_.front().second) versions_.erase(it);
    order_.pop_front();
  }
  if (order_.size() > 2 * capacity_) {  // rewritten or forgotten keys left stale entries
    std::deque<std::pair<std::string, uint64_t>> current;
    for (auto& [k, e] : order_) {
      auto it = versions_.find(k);
      if (it != versions_.end() && it->second.entry == e) current.emplace_back(std::move(k), e);
    }
    order_.swap(current);
  }
}

void CloudinaryBlobStore::VersionIndex::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  versions_.erase(key);
}

std::optional<int64_t> CloudinaryBlobStore::VersionIndex::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = versions_.find(key);
  if (it == versions_.end()) return std::nullopt;
  return it->second.version;
}

CloudinaryBlobStore::CloudinaryBlobStore(CloudinaryOptions options,
                                         std::shared_ptr<const http::HttpClient> http)
    : options_(std::move(options)),
      http_(std::move(http)),
      versions_(std::max<std::size_t>(options_.version_index_capacity, 1)) {
  if (options_.cloud_name.empty() || options_.api_key.empty() || options_.api_secret.empty()) {
    throw std::invalid_argument(
        "CLOUDINARY_URL must be cloudinary://<api_key>:<api_secret>@<cloud_name>");
  }
  options_.api_base_url = trimmed_base(options_.api_base_url);
  options_.delivery_base_url = trimmed_base(options_.delivery_base_url);
}

std::time_t CloudinaryBlobStore::now() const {
  return options_.now ? options_.now() : std::time(nullptr);
}

std::optional<int64_t> CloudinaryBlobStore::version_of(const std::string& key) const {
  return versions_.find(key);
}

std::string CloudinaryBlobStore::delivery_url(const std::string& key) const {
  std::string url =
      options_.delivery_base_url + "/" + http::percent_encode(options_.cloud_name) + "/raw/upload/";
  if (auto version = versions_.find(key)) url += "v" + std::to_string(*version) + "/";
  // Safe keys need no encoding; '/' separates Cloudinary folders.
  return url + key;
}

std::optional<std::string> CloudinaryBlobStore::public_url(const std::string& key) {
  if (!is_safe_blob_key(key)) return std::nullopt;
  return delivery_url(key);
}

void CloudinaryBlobStore::note_outcome(const Result<http::HttpClientResponse>& response) {
  if (!response || response->status >= 500) {
    last_failure_ms_.store(std::max<int64_t>(steady_ms(), 1));
  } else {
    last_failure_ms_.store(0);
  }
}

bool CloudinaryBlobStore::ping() {
  const int64_t failed = last_failure_ms_.load();
  return failed == 0 || steady_ms() - failed >= kUnhealthyForMs;
}

Error CloudinaryBlobStore::refusal(const std::string& what,
                                   const http::HttpClientResponse& response) const {
  std::string message;
  const json body = parse_untrusted_json(response.body);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    message = string_member(body["error"], "message");
  }
  std::string text = "cloudinary " + what + ": " + std::to_string(response.status);
  if (!message.empty()) text += " " + message;
  if (response.status == 420 || response.status == 429) {
    Error e{ErrorKind::kRateLimited, text, ""};
    e.retry_after_s = http::retry_after_seconds(response).value_or(1);
    return e;
  }
  if (response.status >= 500) {
    Error e{ErrorKind::kUnavailable, text, ""};
    e.retry_after_s = http::retry_after_seconds(response).value_or(0);
    return e;
  }
  return Error{ErrorKind::kInternal, text, ""};
}

Result<http::HttpClientResponse> CloudinaryBlobStore::call(const std::string& action,
                                                           const std::string& what,
                                                           http::HttpClientRequest request) {
  request.method = "POST";
  request.url =
      options_.api_base_url + "/" + http::percent_encode(options_.cloud_name) + "/raw/" + action;
  request.total_timeout = options_.timeout;
  auto response = http_->send(request);
  note_outcome(response);
  if (!response) return response.error();
  if (response->status != 200) return refusal(what, *response);
  return response;
}

Result<http::HttpClientResponse> CloudinaryBlobStore::fetch(http::HttpClientRequest request) {
  request.total_timeout = options_.timeout;
  auto response = http_->send(request);
  note_outcome(response);
  return response;
}

Status CloudinaryBlobStore::put(const std::string& key, const std::string& bytes) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  if (bytes.size() > options_.max_upload_bytes) {
    return Error{ErrorKind::kPayloadTooLarge,
                 "cloudinary upload " + key + ": over " +
                     std::to_string(options_.max_upload_bytes) + " bytes",
                 ""};
  }
  const std::string timestamp = std::to_string(now());
  const std::map<std::string, std::string> signed_params = {{"public_id", key},
                                                            {"timestamp", timestamp}};
  MultipartBody form;
  form.file("file", key.substr(key.rfind('/') + 1), bytes);
  form.field("api_key", options_.api_key);
  form.field("timestamp", timestamp);
  form.field("public_id", key);
  form.field("signature", cloudinary_signature(signed_params, options_.api_secret));
  http::HttpClientRequest request;
  request.headers = {{"Content-Type", form.content_type()}};
  request.body = form.take();
  auto response = call("upload", "upload " + key, std::move(request));
  if (!response) return response.error();
  const json answer = parse_untrusted_json(response->body);
  if (!answer.is_object() || !answer.contains("version") ||
      !answer["version"].is_number_integer()) {
    return Error{ErrorKind::kUnavailable,
                 "cloudinary upload " + key + ": the answer carries no version", ""};
  }
  versions_.remember(key, answer["version"].get<int64_t>());
  return Status::success();
}

Status CloudinaryBlobStore::put_file(const std::string& key, const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error{ErrorKind::kIo, "cannot read " + path.string() + ": " + ec.message(), ""};
  if (size > options_.max_upload_bytes) {
    return Error{ErrorKind::kPayloadTooLarge,
                 "cloudinary upload " + key + ": over " +
                     std::to_string(options_.max_upload_bytes) + " bytes",
                 ""};
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return Error{ErrorKind::kIo, "cannot read " + path.string(), ""};
  }
  return put(key, bytes);
}

Result<std::string> CloudinaryBlobStore::get(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.url = delivery_url(key);
  request.max_response_bytes = kMaxWholeBlobBytes;
  auto response = fetch(std::move(request));
  if (!response) return response.error();
  if (response->status == 404) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
  if (response->status != 200) return refusal("GET " + key, *response);
  return std::move(response->body);
}

Result<BlobInfo> CloudinaryBlobStore::stat(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  http::HttpClientRequest request;
  request.method = "HEAD";
  request.url = delivery_url(key);
  auto response = fetch(std::move(request));
  if (!response) return response.error();
  if (response->status == 404) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
  if (response->status != 200) return refusal("HEAD " + key, *response);
  auto info = blob_info_of(*response);
  if (!info) {
    return Error{ErrorKind::kUnavailable, "cloudinary HEAD " + key + ": no Content-Length", ""};
  }
  if (info->etag.empty()) {  // the version names the content as well
    const auto version = versions_.find(key);
    info->etag = "v" + std::to_string(version.value_or(0)) + "-" + std::to_string(info->size);
  }
  return *info;
}

Result<std::unique_ptr<BlobReader>> CloudinaryBlobStore::open(const std::string& key,
                                                              uint64_t offset, uint64_t length) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  const std::string url = delivery_url(key);
  auto fetch_range = [this, url](const std::string& range, const std::string&) {
    http::HttpClientRequest request;
    request.url = url;
    request.headers = {{"Range", range}};
    return fetch(std::move(request));
  };
  auto refused = [this, key](const http::HttpClientResponse& response) {
    if (response.status == 404) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
    return refusal("GET " + key, response);
  };
  return HttpRangeReader::open(fetch_range, refused, offset, length, options_.read_chunk_bytes);
}

Status CloudinaryBlobStore::remove(const std::string& key) {
  if (!is_safe_blob_key(key)) return bad_key(key);
  const std::string timestamp = std::to_string(now());
  const std::map<std::string, std::string> params = {
      {"invalidate", "true"}, {"public_id", key}, {"timestamp", timestamp}};
  std::string form;
  for (const auto& [name, value] : params) {
    form += name + "=" + http::percent_encode(value) + "&";
  }
  form += "api_key=" + http::percent_encode(options_.api_key) +
          "&signature=" + cloudinary_signature(params, options_.api_secret);
  http::HttpClientRequest request;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = std::move(form);
  auto response = call("destroy", "destroy " + key, std::move(request));
  if (!response) return response.error();
  const json answer = parse_untrusted_json(response->body);
  const std::string result = string_member(answer, "result");
  if (result != "ok" && result != "not found") {
    return Error{ErrorKind::kInternal,
                 "cloudinary destroy " + key + ": unexpected answer '" + result + "'", ""};
  }
  versions_.forget(key);
  return Status::success();
}

BlobStoreKind cloudinary_blob_store_kind() {
  BlobStoreKind kind;
  kind.name = "cloudinary";
  kind.configured = [](const StorageSettings& s) { return !s.cloudinary_url.empty(); };
  kind.create = [](const BlobStoreContext& context) -> Result<std::unique_ptr<BlobStore>> {
    const StorageSettings& s = context.settings;
    if (s.cloudinary_url.empty()) {
      return invalid_input("CLOUDINARY_URL", "must be set for the cloudinary storage backend");
    }
    CloudinaryOptions options;
    if (Status parsed = parse_cloudinary_url(s.cloudinary_url, options); !parsed) {
      return parsed.error();
    }
    if (!s.cloudinary_api_base_url.empty()) options.api_base_url = s.cloudinary_api_base_url;
    if (!s.cloudinary_delivery_base_url.empty()) {
      options.delivery_base_url = s.cloudinary_delivery_base_url;
    }
    return std::unique_ptr<BlobStore>(new CloudinaryBlobStore(options, context.http));
  };
  return kind;
}

}  // namespace polyvox
