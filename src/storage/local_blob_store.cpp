#include "storage/local_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "core/ids.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

Error io_error(const std::string& what) {
  return Error{ErrorKind::kIo, what + ": " + std::strerror(errno), ""};
}

Error bad_key(const std::string& key) {
  return Error{ErrorKind::kInternal, "unsafe blob key '" + key + "'", ""};
}

// Writes `size` bytes, retrying short writes.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

class FileRangeReader : public BlobReader {
 public:
  FileRangeReader(int fd, uint64_t offset, uint64_t length)
      : fd_(fd), offset_(offset), left_(length) {}
  ~FileRangeReader() override { ::close(fd_); }

  Result<std::size_t> read(char* buffer, std::size_t size) override {
    if (left_ == 0) return std::size_t{0};
    const std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(left_, size));
    ssize_t n;
    do {
      n = ::pread(fd_, buffer, want, static_cast<off_t>(offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return io_error("cannot read blob");
    if (n == 0) return Error{ErrorKind::kIo, "blob shorter than expected", ""};
    offset_ += static_cast<uint64_t>(n);
    left_ -= static_cast<uint64_t>(n);
    return static_cast<std::size_t>(n);
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t left_;
};

}  // namespace

bool is_safe_blob_key(const std::string& key) {
  if (key.empty() || key.size() > 512 || key.front() == '/' || key.back() == '/') return false;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      const std::string_view segment(key.data() + segment_start, i - segment_start);
      if (segment.empty() || segment == "." || segment == "..") return false;
      segment_start = i + 1;
      continue;
    }
    const char c = key[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

LocalBlobStore::LocalBlobStore(fs::path root, SyncFn sync)
    : root_(std::move(root)), sync_(std::move(sync)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw std::runtime_error("cannot create " + root_.string() + ": " + ec.message());
}

std::optional<fs::path> LocalBlobStore::path_of(const std::string& key) const {
  if (!is_safe_blob_key(key)) return std::nullopt;
  return root_ / key;
}

Status LocalBlobStore::sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open " + dir.string());
  if (sync_(fd) != 0) {
    Error e = io_error("cannot sync " + dir.string());
    ::close(fd);
    return e;
  }
  ::close(fd);
  return Status::success();
}

Status LocalBlobStore::make_parents(const fs::path& path) {
  // The directories that do not exist yet, innermost last; each new entry is made durable in
  // its parent.
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path dir = path.parent_path(); dir != root_ && !fs::exists(dir, ec);
       dir = dir.parent_path()) {
    missing.push_back(dir);
    if (dir.parent_path() == dir) break;
  }
  if (missing.empty()) return Status::success();
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error{ErrorKind::kIo, "cannot create " + path.parent_path().string(), ""};
  for (const fs::path& dir : missing) {
    if (Status s = sync_dir(dir.parent_path()); !s) return s;
  }
  return Status::success();
}

Status LocalBlobStore::put(const std::string& key, const std::string& bytes) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  if (Status made = make_parents(*path); !made) return made;
  const std::string temp = path->string() + ".tmp-" + random_hex(6);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create " + temp);
  const bool written = write_all(fd, bytes.data(), bytes.size()) && sync_(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), path->c_str()) != 0) {
    Error e = io_error("cannot store blob " + key);
    ::unlink(temp.c_str());
    return e;
  }
  return sync_dir(path->parent_path());
}

Status LocalBlobStore::put_file(const std::string& key, const fs::path& source) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  if (Status made = make_parents(*path); !made) return made;
  std::error_code ec;
  const std::string temp = path->string() + ".tmp-" + random_hex(6);
  // A hard link is free when the source is on the same file system; otherwise copy.
  if (::link(source.c_str(), temp.c_str()) != 0) {
    fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      ::unlink(temp.c_str());  // a copy cut short (a full disk) leaves no partial file behind
      return Error{ErrorKind::kIo, "cannot store blob " + key + ": " + ec.message(), ""};
    }
  }
  // The content first (the link or copy shares the data), then the name, then the directory.
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && sync_(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(temp.c_str(), path->c_str()) != 0) {
    Error e = io_error("cannot store blob " + key);
    ::unlink(temp.c_str());
    return e;
  }
  return sync_dir(path->parent_path());
}

Result<std::string> LocalBlobStore::get(const std::string& key) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
    return io_error("cannot open blob " + key);
  }
  struct stat st {};
  ::fstat(fd, &st);
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != bytes.size()) return Error{ErrorKind::kIo, "short read of blob " + key, ""};
  return bytes;
}

Result<BlobInfo> LocalBlobStore::stat(const std::string& key) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
    return io_error("cannot stat blob " + key);
  }
  BlobInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.modified_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  // Blobs are replaced by rename, never rewritten in place: inode + size + mtime identify a
  // version.
  char etag[64];
  std::snprintf(etag, sizeof etag, "%lx-%lx-%lx", static_cast<unsigned long>(st.st_ino),
                static_cast<unsigned long>(st.st_size),
                static_cast<unsigned long>(st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec));
  info.etag = etag;
  return info;
}

Result<std::unique_ptr<BlobReader>> LocalBlobStore::open(const std::string& key, uint64_t offset,
                                                         uint64_t length) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error{ErrorKind::kNotFound, "no blob " + key, ""};
    return io_error("cannot open blob " + key);
  }
  return std::unique_ptr<BlobReader>(new FileRangeReader(fd, offset, length));
}

Status LocalBlobStore::remove(const std::string& key) {
  auto path = path_of(key);
  if (!path) return bad_key(key);
  if (::unlink(path->c_str()) != 0 && errno != ENOENT) return io_error("cannot remove blob " + key);
  return Status::success();
}

Status LocalBlobStore::list(const std::string& prefix,
                            const std::function<bool(const BlobListing&)>& visit) {
  // The deepest directory every key with the prefix lies in.
  const std::size_t slash = prefix.rfind('/');
  const std::string dir_part = slash == std::string::npos ? "" : prefix.substr(0, slash);
  if (!dir_part.empty() && !is_safe_blob_key(dir_part)) return bad_key(prefix);
  const fs::path start = dir_part.empty() ? root_ : root_ / dir_part;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return Status::success();  // nothing stored there yet
  for (auto it = fs::recursive_directory_iterator(start, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (!key.starts_with(prefix) || key.find(".tmp-") != std::string::npos ||
        key.starts_with(".ping-") || !is_safe_blob_key(key)) {
      continue;
    }
    const int64_t modified_ms =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (!visit(BlobListing{std::move(key), static_cast<uint64_t>(st.st_size), modified_ms})) {
      return Status::success();
    }
  }
  if (ec) return Error{ErrorKind::kIo, "cannot list " + start.string() + ": " + ec.message(), ""};
  return Status::success();
}

bool LocalBlobStore::ping() {
  const fs::path probe = root_ / (".ping-" + random_hex(6));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

BlobStoreKind local_blob_store_kind() {
  BlobStoreKind kind;
  kind.name = "local";
  kind.create = [](const BlobStoreContext& context) -> Result<std::unique_ptr<BlobStore>> {
    return std::unique_ptr<BlobStore>(new LocalBlobStore(context.data_dir / "blobs"));
  };
  return kind;
}

}  // namespace polyvox
