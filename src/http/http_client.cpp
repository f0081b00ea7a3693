#include "http/http_client.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace polyvox::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl cannot be initialized");
    }
  });
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

std::string url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, CURLU_DEFAULT_PORT) != CURLUE_OK || value == nullptr) {
    return "";
  }
  std::string out(value);
  curl_free(value);
  return out;
}

UrlPtr parse_url(std::string_view url) {
  UrlPtr parsed(curl_url());
  if (!parsed) return nullptr;
  const std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return nullptr;
  return parsed;
}

// What one transfer collects; the callbacks below write into it.
struct Transfer {
  using Clock = std::chrono::steady_clock;
  CURL* handle = nullptr;
  HttpClientResponse response;
  std::size_t max_body = 0;
  bool truncate = false;  // a longer body is cut, not an error
  bool too_large = false;
  const CancelToken* cancel = nullptr;
  const AddressPolicy* policy = nullptr;  // checked at each socket opened; null: none
  bool host_allowed = false;              // the URL's host is a listed name
  std::string refusal;                    // why the last address was refused
  const std::function<bool(std::string_view)>* sink = nullptr;
  bool stopped_by_sink = false;
  std::chrono::milliseconds idle_timeout{0};
  Clock::time_point last_byte = Clock::now();
  bool idle = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->last_byte = Transfer::Clock::now();
  if (t->sink && *t->sink) {
    long status = 0;
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if ((*t->sink)(std::string_view(data, n))) return n;
      t->stopped_by_sink = true;
      return 0;
    }
  }
  if (t->response.body.size() + n > t->max_body) {
    t->too_large = true;
    if (t->truncate) t->response.body.append(data, t->max_body - t->response.body.size());
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

// The address guard: called by libcurl for each socket it is about to connect, after DNS.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  std::optional<IpAddress> ip;
  if (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address->addr);
    ip = IpAddress{};
    std::memcpy(ip->bytes.data(), &in->sin_addr, 4);
  } else if (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    ip = IpAddress{true, {}};
    std::memcpy(ip->bytes.data(), &in6->sin6_addr, 16);
  }
  if (purpose != CURLSOCKTYPE_IPCXN || !ip) {
    t->refusal = "connection refused by the address guard (not an IP connection)";
    return CURL_SOCKET_BAD;
  }
  if (!t->host_allowed) {
    if (auto why = t->policy->refusal(*ip)) {
      t->refusal = "connection refused by the address guard: " + *why;
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->last_byte = Transfer::Clock::now();
  const std::string_view line = trim(std::string_view(data, n));
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after 100 Continue, or an interim one)
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    t->response.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->cancelled()) return 1;
  if (t->idle_timeout.count() > 0 && Transfer::Clock::now() - t->last_byte > t->idle_timeout) {
    t->idle = true;
    return 1;
  }
  return 0;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

size_t on_upload_read(char* buffer, size_t size, size_t count, void* user) {
  std::FILE* file = static_cast<std::FILE*>(user);
  const size_t n = std::fread(buffer, 1, size * count, file);
  if (n == 0 && std::ferror(file)) return CURL_READFUNC_ABORT;
  return n;
}

}  // namespace

// Easy handles kept per origin with their open connections, and one share object (DNS cache,
// TLS sessions) for all of them. The connection cache itself is NOT shared: libcurl does not
// support sharing it between concurrent threads, so each handle keeps its own.
struct HttpClient::Pool {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::mutex mutex;
  std::map<std::string, std::vector<CURL*>> idle;  // origin -> handles, most recent last
  std::size_t max_idle_per_origin = 16;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Pool*>(user)->share_locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Pool*>(user)->share_locks[data].unlock();
  }

  Pool() {
    share = curl_share_init();
    if (!share) throw std::runtime_error("libcurl share cannot be created");
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Pool::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Pool::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~Pool() {
    for (auto& [origin, handles] : idle) {
      for (CURL* h : handles) curl_easy_cleanup(h);
    }
    curl_share_cleanup(share);
  }

  CURL* acquire(const std::string& origin) {
    {
      std::lock_guard lock(mutex);
      auto it = idle.find(origin);
      if (it != idle.end() && !it->second.empty()) {
        CURL* h = it->second.back();
        it->second.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void release(const std::string& origin, CURL* handle) {
    {
      std::lock_guard lock(mutex);
      auto& handles = idle[origin];
      if (handles.size() < max_idle_per_origin) {
        handles.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

std::optional<std::string> HttpClientResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [n, v] : headers) {
    if (n == wanted) return v;
  }
  return std::nullopt;
}

std::string HttpClientResponse::content_type() const {
  auto value = header("content-type");
  if (!value) return "";
  std::string_view v = *value;
  v = v.substr(0, v.find(';'));
  return lower(trim(v));
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  global_init();
  pool_ = std::make_unique<Pool>();
  pool_->max_idle_per_origin = options_.max_idle_handles_per_origin;
}

HttpClient::~HttpClient() = default;

Result<HttpClientResponse> HttpClient::send(const HttpClientRequest& request) const {
  const std::string where =
      request.method + " " +
      (request.secret_path ? url_origin(request.url) : redacted_url(request.url));
  UrlPtr url = parse_url(request.url);
  const std::string scheme = url ? lower(url_part(url.get(), CURLUPART_SCHEME)) : "";
  if (scheme != "http" && scheme != "https") {
    return Error{ErrorKind::kInvalidInput, where + ": not an http(s) URL", ""};
  }
  const std::string origin = scheme + "://" + lower(url_part(url.get(), CURLUPART_HOST)) + ":" +
                             url_part(url.get(), CURLUPART_PORT);

  FilePtr upload;
  curl_off_t upload_size = 0;
  if (!request.body_file.empty()) {
    if (request.method != "PUT") {
      return Error{ErrorKind::kInvalidInput, where + ": a body file needs PUT", ""};
    }
    upload.reset(std::fopen(request.body_file.c_str(), "rb"));
    struct stat st {};
    if (!upload || ::fstat(::fileno(upload.get()), &st) != 0) {
      return Error{ErrorKind::kIo, where + ": cannot read " + request.body_file, ""};
    }
    upload_size = static_cast<curl_off_t>(st.st_size);
  }

  Transfer transfer;
  transfer.max_body =
      request.max_response_bytes ? request.max_response_bytes : options_.max_response_bytes;
  transfer.cancel = request.cancel;
  transfer.truncate = request.truncate_response;
  if (options_.address_policy) {
    transfer.policy = options_.address_policy.get();
    std::string host = url_part(url.get(), CURLUPART_HOST);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    transfer.host_allowed = transfer.policy->allows_host(host);
  }
  transfer.sink = &request.on_body;
  transfer.idle_timeout = request.idle_timeout;

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  auto append_header = [&header_list](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next) {
      header_list.release();
      header_list.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) append_header(name + ": " + value);
  // No 100-continue round trip before a body. Not with SigV4: libcurl would sign the empty
  // Expect header it then leaves out, and every signature would be wrong.
  if (!request.aws_sigv4) append_header("Expect:");

  CURL* h = pool_->acquire(origin);
  if (!h) return Error{ErrorKind::kUnavailable, where + ": libcurl handle cannot be created", ""};
  curl_easy_reset(h);  // options only: open connections and caches stay
  transfer.handle = h;
  std::array<char, CURL_ERROR_SIZE> errbuf{};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf.data());
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_SHARE, pool_->share);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  const std::string method = request.method.empty() ? "GET" : request.method;
  // A sink takes any size (other statuses are capped in on_body); a truncated body is cut there.
  // A HEAD answer has no body: libcurl would still hold its Content-Length (the size of what a
  // GET would send, a 70-minute final file's for a blob store's stat) against the cap.
  if (!request.on_body && !transfer.truncate && method != "HEAD") {
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(transfer.max_body));
  }
  if (transfer.policy) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // no proxy, not even from the environment
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);

  const bool sends_body =
      !request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (request.aws_sigv4) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, request.aws_sigv4->provider.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, request.aws_sigv4->access_key.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.aws_sigv4->secret_key.c_str());
  }
  if (upload) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_upload_read);
    curl_easy_setopt(h, CURLOPT_READDATA, upload.get());
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, upload_size);
  } else if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  const CURLcode code = curl_easy_perform(h);
  long connects = 0;
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_.fetch_add(static_cast<std::size_t>(std::max(0L, connects)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, nullptr);
  pool_->release(origin, h);

  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.truncate && transfer.too_large)) {
    transfer.response.status = static_cast<int>(status);
    transfer.response.http_version = version == CURL_HTTP_VERSION_1_0   ? 10
                                     : version == CURL_HTTP_VERSION_1_1 ? 11
                                     : version == CURL_HTTP_VERSION_2_0 ? 20
                                     : version == CURL_HTTP_VERSION_3   ? 30
                                                                        : 0;
    return std::move(transfer.response);
  }
  if (!transfer.refusal.empty() &&
      (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST)) {
    return Error{ErrorKind::kForbidden, where + ": " + transfer.refusal, ""};
  }
  std::string reason;
  if (code == CURLE_ABORTED_BY_CALLBACK && request.cancel && request.cancel->cancelled()) {
    reason = "cancelled";
  } else if (code == CURLE_ABORTED_BY_CALLBACK && transfer.idle) {
    reason = "no data for " + std::to_string(request.idle_timeout.count()) + " ms";
  } else if (transfer.stopped_by_sink) {
    reason = "stopped by the receiver";
  } else if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    reason = "response larger than " + std::to_string(transfer.max_body) + " bytes";
  } else {  // e.g. "Operation timed out after 1001 milliseconds with 0 bytes received"
    reason = errbuf[0] ? std::string(errbuf.data()) : std::string(curl_easy_strerror(code));
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r')) reason.pop_back();
  }
  return Error{ErrorKind::kUnavailable, where + ": " + reason, ""};
}

std::optional<int> retry_after_seconds(const HttpClientResponse& response, std::time_t now) {
  static constexpr long long kMaxSeconds = 86'400;
  auto clamp = [](long long s) { return static_cast<int>(std::clamp(s, 0LL, kMaxSeconds)); };
  auto parse_number = [](const std::string& text) -> std::optional<double> {
    try {
      std::size_t used = 0;
      const double v = std::stod(text, &used);
      // "inf", "1e300": finite and bounded before any conversion to an integer.
      if (used == text.size() && v >= 0 && std::isfinite(v)) {
        return std::min(v, static_cast<double>(kMaxSeconds) * 1000.0);
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  };
  if (auto ms = response.header("retry-after-ms")) {
    if (auto v = parse_number(std::string(trim(*ms)))) {
      return clamp(static_cast<long long>((*v + 999.0) / 1000.0));
    }
  }
  if (auto value = response.header("retry-after")) {
    const std::string text(trim(*value));
    if (auto v = parse_number(text)) return clamp(static_cast<long long>(*v + 0.999));
    if (auto when = parse_http_date(text)) {
      return clamp(static_cast<long long>(*when) - static_cast<long long>(now));
    }
  }
  return std::nullopt;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
  const std::string copy(trim(text));
  const time_t when = curl_getdate(copy.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return when;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string redacted_url(std::string_view url) {
  UrlPtr parsed = parse_url(url);
  if (!parsed) return "<invalid URL>";
  curl_url_set(parsed.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_FRAGMENT, nullptr, 0);
  char* text = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_URL, &text, 0) != CURLUE_OK || !text) {
    return "<invalid URL>";
  }
  std::string out(text);
  curl_free(text);
  return out;
}

std::string url_origin(std::string_view url) {
  UrlPtr parsed = parse_url(url);
  if (!parsed) return "<invalid URL>";
  const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME);
  const std::string host = url_part(parsed.get(), CURLUPART_HOST);
  if (scheme.empty() || host.empty()) return "<invalid URL>";
  std::string port;  // only a port the URL names (url_part gives the scheme's default too)
  char* named = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_PORT, &named, 0) == CURLUE_OK && named) {
    port = std::string(":") + named;
  }
  curl_free(named);
  return scheme + "://" + host + port;
}

}  // namespace polyvox::http
